-- migrate:up
-- Grouped events (Metadata.EventGroupID): stored in the emitting transaction,
-- held here until ReleaseGroup turns them into River jobs or ClearGroup drops
-- them.
CREATE TABLE event_bus_held (
  seq bigserial PRIMARY KEY,
  group_id text NOT NULL,
  event_id text NOT NULL,
  name text NOT NULL,
  message jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX event_bus_held_group_idx ON event_bus_held (group_id, seq);

-- Deduplication: a subscriber records (its id, the event id) in the
-- transaction that applies the event's effects (eventbus.Once).
CREATE TABLE event_bus_processed (
  subscriber_id text NOT NULL,
  event_id text NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (subscriber_id, event_id)
);

-- migrate:down
DROP TABLE event_bus_processed;
DROP TABLE event_bus_held;
