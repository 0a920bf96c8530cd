-- A user's mail address: set by an admin, or the address verified at self-service registration.
-- Keep in step with migrations/sqlite/0008_user_email.sql.
ALTER TABLE users ADD COLUMN email TEXT;
