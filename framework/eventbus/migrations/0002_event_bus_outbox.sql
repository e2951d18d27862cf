-- migrate:up
-- Direct deliveries: one row per (event, subscriber) that the emitting
-- instance delivers itself right after the commit (see docs/events.md,
-- "Direct delivery"). Written in the emitting transaction, deleted once
-- delivered. A row whose lease ran out (its instance died or gave it up) is
-- moved to a River job by any working instance.
CREATE TABLE event_bus_outbox (
  id text PRIMARY KEY,
  subscriber_id text NOT NULL,
  message jsonb NOT NULL,
  lease_until timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- migrate:down
DROP TABLE event_bus_outbox;
