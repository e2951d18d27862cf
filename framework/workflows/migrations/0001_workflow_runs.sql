-- migrate:up
CREATE TABLE workflow_run (
    workflow_id    text        NOT NULL,
    transaction_id text        NOT NULL,
    state          text        NOT NULL,
    input          jsonb,
    output         jsonb,
    errors         jsonb       NOT NULL DEFAULT '[]',
    event_group_id text        NOT NULL DEFAULT '',
    idempotent     boolean     NOT NULL DEFAULT false,
    retention_ms   bigint      NOT NULL DEFAULT 0,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    finished_at    timestamptz,
    PRIMARY KEY (workflow_id, transaction_id)
);

CREATE INDEX workflow_run_transaction_id_idx ON workflow_run (transaction_id);
CREATE INDEX workflow_run_unfinished_idx ON workflow_run (state) WHERE finished_at IS NULL;
CREATE INDEX workflow_run_created_at_idx ON workflow_run (created_at DESC);

CREATE TABLE workflow_step (
    workflow_id    text        NOT NULL,
    transaction_id text        NOT NULL,
    position       text        NOT NULL,
    name           text        NOT NULL,
    state          text        NOT NULL,
    attempt        integer     NOT NULL DEFAULT 1,
    output         jsonb,
    comp_input     jsonb,
    error          text        NOT NULL DEFAULT '',
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workflow_id, transaction_id, position)
);
-- No foreign key to workflow_run: its check would cost every checkpoint a
-- lookup and a row lock; the store deletes a run's steps with the run.

-- migrate:down
DROP TABLE workflow_step;
DROP TABLE workflow_run;
