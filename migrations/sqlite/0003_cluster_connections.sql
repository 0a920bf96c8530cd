-- How Fleetdeck reaches a cluster. `credentials` is sealed (src/kube/secret_box.rs) and set only
-- for registered clusters; kubeconfig clusters keep theirs in the operator's file.
-- Keep in step with migrations/postgres/0003_cluster_connections.sql.
ALTER TABLE clusters ADD COLUMN server_url TEXT;
ALTER TABLE clusters ADD COLUMN authz_mode TEXT NOT NULL DEFAULT 'shared';
ALTER TABLE clusters ADD COLUMN credentials TEXT;
