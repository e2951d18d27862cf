-- migrate:up
-- A parked run (see workflows.WithTimers) is run by no instance: it waits
-- for a wake-up at wake_at (a retry or a deadline), or for a completion of
-- one of its async steps, and the job engine wakes it on any instance.
ALTER TABLE workflow_run ADD COLUMN parked_at timestamptz;
ALTER TABLE workflow_run ADD COLUMN wake_at timestamptz;
-- A waiting async step's deadline, or when a retrying step's next attempt is due.
ALTER TABLE workflow_step ADD COLUMN wake_at timestamptz;

-- migrate:down
ALTER TABLE workflow_step DROP COLUMN wake_at;
ALTER TABLE workflow_run DROP COLUMN wake_at;
ALTER TABLE workflow_run DROP COLUMN parked_at;
