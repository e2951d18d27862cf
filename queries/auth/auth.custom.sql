-- Hand-written queries of the Auth Module (the emailpass provider and the
-- app_metadata lookups). sqlc compiles them with the generated ones.

-- entity_id compares without regard to case (the unique index is on
-- lower(entity_id), provider): one identity per mailbox.

-- name: ProviderIdentityByEntity :one
SELECT * FROM "provider_identity"
WHERE lower("entity_id") = lower(sqlc.arg('entity_id')::text) AND "provider" = sqlc.arg('provider')::text AND "deleted_at" IS NULL;

-- name: SetProviderPassword :one
UPDATE "provider_identity" SET
  "provider_metadata" = COALESCE("provider_metadata", '{}'::jsonb) || jsonb_build_object('password', sqlc.arg('password_hash')::text),
  "updated_at" = now()
WHERE lower("entity_id") = lower(sqlc.arg('entity_id')::text) AND "provider" = sqlc.arg('provider')::text AND "deleted_at" IS NULL
RETURNING "id";

-- name: AuthIdentityIDsByAppMetadata :many
SELECT "id" FROM "auth_identity"
WHERE "app_metadata" ->> sqlc.arg('key')::text = sqlc.arg('value')::text AND "deleted_at" IS NULL
ORDER BY "id";

-- name: LockAuthIdentityAppMetadata :one
SELECT "app_metadata" FROM "auth_identity"
WHERE "id" = sqlc.arg('id')::text AND "deleted_at" IS NULL
FOR UPDATE;

-- name: SetAuthIdentityAppMetadata :execrows
UPDATE "auth_identity" SET "app_metadata" = sqlc.narg('app_metadata')::jsonb, "updated_at" = now()
WHERE "id" = sqlc.arg('id')::text AND "deleted_at" IS NULL;
