-- The security-team dashboard: what the last reconcile of each repository
-- found in its models, and per repository and day the open threats by risk.
-- All three tables are written by the track job (bot/jobs/track.go) and
-- replaced per repository; times are UTC text as in 001.

-- One row per model file on the default branch, as last reconciled.
CREATE TABLE model_snapshots (
    repo_key      TEXT NOT NULL,
    path          TEXT NOT NULL,
    system_id     TEXT NOT NULL DEFAULT '',
    system_name   TEXT NOT NULL DEFAULT '',
    system_owner  TEXT NOT NULL DEFAULT '',
    vendor        TEXT NOT NULL DEFAULT '',
    valid         INTEGER NOT NULL DEFAULT 0,
    error         TEXT NOT NULL DEFAULT '',
    threats       INTEGER NOT NULL DEFAULT 0,
    open_low      INTEGER NOT NULL DEFAULT 0,
    open_medium   INTEGER NOT NULL DEFAULT 0,
    open_high     INTEGER NOT NULL DEFAULT 0,
    open_critical INTEGER NOT NULL DEFAULT 0,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (repo_key, path)
);
CREATE INDEX model_snapshots_vendor ON model_snapshots (vendor);

-- The accepted threats of those models, with the date each acceptance
-- lapses (YYYY-MM-DD, '' when the model gives none).
CREATE TABLE accepted_risks (
    repo_key    TEXT NOT NULL,
    path        TEXT NOT NULL,
    threat_id   TEXT NOT NULL,
    system_id   TEXT NOT NULL DEFAULT '',
    system_name TEXT NOT NULL DEFAULT '',
    title       TEXT NOT NULL DEFAULT '',
    risk        TEXT NOT NULL DEFAULT '',
    accepted_by TEXT NOT NULL DEFAULT '',
    reason      TEXT NOT NULL DEFAULT '',
    until       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (repo_key, path, threat_id)
);
CREATE INDEX accepted_risks_until ON accepted_risks (until);

-- Open threats of the valid models by risk, per repository and UTC day
-- (YYYY-MM-DD); the day's last reconcile wins.
CREATE TABLE risk_history (
    repo_key   TEXT NOT NULL,
    day        TEXT NOT NULL,
    low        INTEGER NOT NULL DEFAULT 0,
    medium     INTEGER NOT NULL DEFAULT 0,
    high       INTEGER NOT NULL DEFAULT 0,
    critical   INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (repo_key, day)
);
CREATE INDEX risk_history_day ON risk_history (day);
