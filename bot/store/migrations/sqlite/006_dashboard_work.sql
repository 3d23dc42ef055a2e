-- The dashboard as a work tool (docs/dashboard.md): each open threat of
-- each model as the last reconcile found it, the commit that reconcile
-- read, and when each threat and mitigation first appeared on the default
-- branch (and through which merged request). Times are UTC text as in 001.

-- The commit of the default branch the model snapshot was read at.
ALTER TABLE model_snapshots ADD COLUMN sha TEXT NOT NULL DEFAULT '';

-- One row per open threat of a valid model; replaced with the model's
-- snapshot. planned: one of its mitigations is planned, in_progress,
-- implemented or verified. mitigations: its mitigation ids, comma-separated.
CREATE TABLE threat_snapshots (
    repo_key    TEXT NOT NULL,
    path        TEXT NOT NULL,
    threat_id   TEXT NOT NULL,
    system_id   TEXT NOT NULL DEFAULT '',
    title       TEXT NOT NULL DEFAULT '',
    risk        TEXT NOT NULL DEFAULT '',
    planned     INTEGER NOT NULL DEFAULT 0,
    mitigations TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (repo_key, path, threat_id)
);

-- When a threat (kind 'threat', item_key system/threat) or a mitigation
-- (kind 'mitigation', item_key system/mitigation, as mitigation_issues.key)
-- was first seen on the default branch: the reconcile's time and commit,
-- and the merged request that triggered it (0 when none or several).
-- since_install: it was there at the repository's first reconcile, so it
-- is at least this old. Written once, never updated.
CREATE TABLE first_seen (
    repo_key      TEXT NOT NULL,
    kind          TEXT NOT NULL,
    item_key      TEXT NOT NULL,
    first_seen_at TEXT NOT NULL,
    sha           TEXT NOT NULL DEFAULT '',
    pr_number     INTEGER NOT NULL DEFAULT 0,
    since_install INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (repo_key, kind, item_key)
);

-- The dashboard keeps what it read until one of its tables changes
-- (DashboardVersion): the newest change of the tracked issues is then one
-- index look-up.
CREATE INDEX mitigation_issues_updated ON mitigation_issues (updated_at);
