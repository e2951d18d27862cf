-- migrate:up
CREATE TABLE widget (id text PRIMARY KEY, name text NOT NULL UNIQUE);
-- migrate:down
DROP TABLE widget;
