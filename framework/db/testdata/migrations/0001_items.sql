-- migrate:up
CREATE TABLE item (
	id text PRIMARY KEY,
	name text NOT NULL,
	parent_id text REFERENCES item (id)
);
CREATE UNIQUE INDEX "IDX_item_name_unique" ON item (name);
CREATE TABLE provider_identity (
	id text PRIMARY KEY,
	entity_id text NOT NULL,
	provider text NOT NULL,
	UNIQUE (entity_id, provider)
);
-- migrate:down
DROP TABLE provider_identity;
DROP TABLE item;
