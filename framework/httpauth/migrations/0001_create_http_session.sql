-- migrate:up
CREATE TABLE http_session (
    id         text PRIMARY KEY,           -- hex SHA-256 of the cookie token
    data       jsonb NOT NULL,             -- the AuthContext
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX http_session_expires_at_idx ON http_session (expires_at);

-- migrate:down
DROP TABLE IF EXISTS http_session;
