-- The dashboard keeps each repository's rows and reads again only those of
-- the repositories that changed (docs/performance.md, "The dashboard"):
-- every insert, update or delete on a table it reads bumps that
-- repository's generation, in the same transaction, whoever writes it.
-- The dashboard reads the generations (one small table) on each request
-- and compares them with those of the rows it keeps. A repository's
-- rows never change repo_key, so an update bumps the new one.
-- On PostgreSQL one trigger per statement bumps each repository the
-- statement touched once, in key order (no deadlock between two
-- statements over several repositories).

CREATE TABLE dashboard_generations (
    repo_key   TEXT PRIMARY KEY,
    generation bigint NOT NULL DEFAULT 0
);

INSERT INTO dashboard_generations (repo_key, generation)
SELECT repo_key, 1 FROM (SELECT repo_key FROM mitigation_issues
UNION SELECT repo_key FROM repo_tracking
UNION SELECT repo_key FROM model_snapshots
UNION SELECT repo_key FROM accepted_risks
UNION SELECT repo_key FROM threat_snapshots
UNION SELECT repo_key FROM first_seen) AS k;

CREATE FUNCTION dashboard_bump_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dashboard_generations AS g (repo_key, generation)
    SELECT DISTINCT repo_key, 1 FROM new_rows ORDER BY repo_key
    ON CONFLICT (repo_key) DO UPDATE SET generation = g.generation + 1;
    RETURN NULL;
END $$;

CREATE FUNCTION dashboard_bump_old() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dashboard_generations AS g (repo_key, generation)
    SELECT DISTINCT repo_key, 1 FROM old_rows ORDER BY repo_key
    ON CONFLICT (repo_key) DO UPDATE SET generation = g.generation + 1;
    RETURN NULL;
END $$;

CREATE TRIGGER mitigation_issues_insert_generation AFTER INSERT ON mitigation_issues
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboard_bump_new();
CREATE TRIGGER mitigation_issues_update_generation AFTER UPDATE ON mitigation_issues
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboard_bump_new();
CREATE TRIGGER mitigation_issues_delete_generation AFTER DELETE ON mitigation_issues
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboard_bump_old();
CREATE TRIGGER repo_tracking_insert_generation AFTER INSERT ON repo_tracking
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboard_bump_new();
CREATE TRIGGER repo_tracking_update_generation AFTER UPDATE ON repo_tracking
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboard_bump_new();
CREATE TRIGGER repo_tracking_delete_generation AFTER DELETE ON repo_tracking
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboard_bump_old();
CREATE TRIGGER model_snapshots_insert_generation AFTER INSERT ON model_snapshots
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboard_bump_new();
CREATE TRIGGER model_snapshots_update_generation AFTER UPDATE ON model_snapshots
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboard_bump_new();
CREATE TRIGGER model_snapshots_delete_generation AFTER DELETE ON model_snapshots
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboard_bump_old();
CREATE TRIGGER accepted_risks_insert_generation AFTER INSERT ON accepted_risks
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboard_bump_new();
CREATE TRIGGER accepted_risks_update_generation AFTER UPDATE ON accepted_risks
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboard_bump_new();
CREATE TRIGGER accepted_risks_delete_generation AFTER DELETE ON accepted_risks
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboard_bump_old();
CREATE TRIGGER threat_snapshots_insert_generation AFTER INSERT ON threat_snapshots
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboard_bump_new();
CREATE TRIGGER threat_snapshots_update_generation AFTER UPDATE ON threat_snapshots
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboard_bump_new();
CREATE TRIGGER threat_snapshots_delete_generation AFTER DELETE ON threat_snapshots
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboard_bump_old();
CREATE TRIGGER first_seen_insert_generation AFTER INSERT ON first_seen
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboard_bump_new();
CREATE TRIGGER first_seen_update_generation AFTER UPDATE ON first_seen
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboard_bump_new();
CREATE TRIGGER first_seen_delete_generation AFTER DELETE ON first_seen
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboard_bump_old();

-- Until this version, deleting a repository or an installation
-- (store.DeleteRepo, DeleteInstallation) left its open threats and first
-- sightings behind, and the dashboard listed the threats: drop the open
-- threats of models no longer stored.
DELETE FROM threat_snapshots WHERE NOT EXISTS (SELECT 1 FROM model_snapshots m
    WHERE m.repo_key = threat_snapshots.repo_key AND m.path = threat_snapshots.path);
