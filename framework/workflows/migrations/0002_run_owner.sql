-- migrate:up
-- The engine instance running a run, and when it last said so; Recover on
-- another instance takes over only runs whose heartbeat is stale.
ALTER TABLE workflow_run ADD COLUMN owner text NOT NULL DEFAULT '';
ALTER TABLE workflow_run ADD COLUMN heartbeat_at timestamptz;

-- migrate:down
ALTER TABLE workflow_run DROP COLUMN heartbeat_at;
ALTER TABLE workflow_run DROP COLUMN owner;
