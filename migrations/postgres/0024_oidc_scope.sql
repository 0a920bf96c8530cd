-- An OIDC session's tenancy scope (`tenant:<id>` or `project:<id>`), from the provider's
-- `tenancyScopes` group mapping; none for staff roles.
-- Keep in step with migrations/sqlite/0024_oidc_scope.sql (tests/migrations.rs compares them).

ALTER TABLE sessions ADD COLUMN oidc_scope TEXT;
