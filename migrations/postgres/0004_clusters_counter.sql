-- Cluster registry writes bump their own counter; Flux catalog writes bump `flux`.
INSERT INTO change_counters (name, version) VALUES ('clusters', 0);
