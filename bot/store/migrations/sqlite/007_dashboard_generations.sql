-- The dashboard keeps each repository's rows and reads again only those of
-- the repositories that changed (docs/performance.md, "The dashboard"):
-- every insert, update or delete on a table it reads bumps that
-- repository's generation, in the same transaction, whoever writes it.
-- The dashboard reads the generations (one small table) on each request
-- and compares them with those of the rows it keeps. A repository's
-- rows never change repo_key, so an update bumps the new one.

CREATE TABLE dashboard_generations (
    repo_key   TEXT PRIMARY KEY,
    generation INTEGER NOT NULL DEFAULT 0
);

INSERT INTO dashboard_generations (repo_key, generation)
SELECT repo_key, 1 FROM (SELECT repo_key FROM mitigation_issues
UNION SELECT repo_key FROM repo_tracking
UNION SELECT repo_key FROM model_snapshots
UNION SELECT repo_key FROM accepted_risks
UNION SELECT repo_key FROM threat_snapshots
UNION SELECT repo_key FROM first_seen);

CREATE TRIGGER mitigation_issues_insert_generation AFTER INSERT ON mitigation_issues BEGIN
    INSERT INTO dashboard_generations (repo_key, generation) VALUES (NEW.repo_key, 1)
    ON CONFLICT (repo_key) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER mitigation_issues_update_generation AFTER UPDATE ON mitigation_issues BEGIN
    INSERT INTO dashboard_generations (repo_key, generation) VALUES (NEW.repo_key, 1)
    ON CONFLICT (repo_key) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER mitigation_issues_delete_generation AFTER DELETE ON mitigation_issues BEGIN
    INSERT INTO dashboard_generations (repo_key, generation) VALUES (OLD.repo_key, 1)
    ON CONFLICT (repo_key) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER repo_tracking_insert_generation AFTER INSERT ON repo_tracking BEGIN
    INSERT INTO dashboard_generations (repo_key, generation) VALUES (NEW.repo_key, 1)
    ON CONFLICT (repo_key) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER repo_tracking_update_generation AFTER UPDATE ON repo_tracking BEGIN
    INSERT INTO dashboard_generations (repo_key, generation) VALUES (NEW.repo_key, 1)
    ON CONFLICT (repo_key) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER repo_tracking_delete_generation AFTER DELETE ON repo_tracking BEGIN
    INSERT INTO dashboard_generations (repo_key, generation) VALUES (OLD.repo_key, 1)
    ON CONFLICT (repo_key) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER model_snapshots_insert_generation AFTER INSERT ON model_snapshots BEGIN
    INSERT INTO dashboard_generations (repo_key, generation) VALUES (NEW.repo_key, 1)
    ON CONFLICT (repo_key) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER model_snapshots_update_generation AFTER UPDATE ON model_snapshots BEGIN
    INSERT INTO dashboard_generations (repo_key, generation) VALUES (NEW.repo_key, 1)
    ON CONFLICT (repo_key) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER model_snapshots_delete_generation AFTER DELETE ON model_snapshots BEGIN
    INSERT INTO dashboard_generations (repo_key, generation) VALUES (OLD.repo_key, 1)
    ON CONFLICT (repo_key) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER accepted_risks_insert_generation AFTER INSERT ON accepted_risks BEGIN
    INSERT INTO dashboard_generations (repo_key, generation) VALUES (NEW.repo_key, 1)
    ON CONFLICT (repo_key) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER accepted_risks_update_generation AFTER UPDATE ON accepted_risks BEGIN
    INSERT INTO dashboard_generations (repo_key, generation) VALUES (NEW.repo_key, 1)
    ON CONFLICT (repo_key) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER accepted_risks_delete_generation AFTER DELETE ON accepted_risks BEGIN
    INSERT INTO dashboard_generations (repo_key, generation) VALUES (OLD.repo_key, 1)
    ON CONFLICT (repo_key) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER threat_snapshots_insert_generation AFTER INSERT ON threat_snapshots BEGIN
    INSERT INTO dashboard_generations (repo_key, generation) VALUES (NEW.repo_key, 1)
    ON CONFLICT (repo_key) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER threat_snapshots_update_generation AFTER UPDATE ON threat_snapshots BEGIN
    INSERT INTO dashboard_generations (repo_key, generation) VALUES (NEW.repo_key, 1)
    ON CONFLICT (repo_key) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER threat_snapshots_delete_generation AFTER DELETE ON threat_snapshots BEGIN
    INSERT INTO dashboard_generations (repo_key, generation) VALUES (OLD.repo_key, 1)
    ON CONFLICT (repo_key) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER first_seen_insert_generation AFTER INSERT ON first_seen BEGIN
    INSERT INTO dashboard_generations (repo_key, generation) VALUES (NEW.repo_key, 1)
    ON CONFLICT (repo_key) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER first_seen_update_generation AFTER UPDATE ON first_seen BEGIN
    INSERT INTO dashboard_generations (repo_key, generation) VALUES (NEW.repo_key, 1)
    ON CONFLICT (repo_key) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER first_seen_delete_generation AFTER DELETE ON first_seen BEGIN
    INSERT INTO dashboard_generations (repo_key, generation) VALUES (OLD.repo_key, 1)
    ON CONFLICT (repo_key) DO UPDATE SET generation = generation + 1;
END;

-- Until this version, deleting a repository or an installation
-- (store.DeleteRepo, DeleteInstallation) left its open threats and first
-- sightings behind, and the dashboard listed the threats: drop the open
-- threats of models no longer stored.
DELETE FROM threat_snapshots WHERE NOT EXISTS (SELECT 1 FROM model_snapshots m
    WHERE m.repo_key = threat_snapshots.repo_key AND m.path = threat_snapshots.path);
