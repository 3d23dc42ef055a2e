-- The security-team dashboard: what the last reconcile of each repository
-- found in its models, and per repository and day the open threats by risk.
-- All three tables are written by the track job (bot/jobs/track.go) and
-- replaced per repository.

-- One row per model file on the default branch, as last reconciled.
CREATE TABLE model_snapshots (
    repo_key      text NOT NULL,
    path          text NOT NULL,
    system_id     text NOT NULL DEFAULT '',
    system_name   text NOT NULL DEFAULT '',
    system_owner  text NOT NULL DEFAULT '',
    vendor        text NOT NULL DEFAULT '',
    valid         boolean NOT NULL DEFAULT false,
    error         text NOT NULL DEFAULT '',
    threats       integer NOT NULL DEFAULT 0,
    open_low      integer NOT NULL DEFAULT 0,
    open_medium   integer NOT NULL DEFAULT 0,
    open_high     integer NOT NULL DEFAULT 0,
    open_critical integer NOT NULL DEFAULT 0,
    updated_at    timestamptz NOT NULL,
    PRIMARY KEY (repo_key, path)
);
CREATE INDEX model_snapshots_vendor ON model_snapshots (vendor);

-- The accepted threats of those models, with the date each acceptance
-- lapses (YYYY-MM-DD, '' when the model gives none).
CREATE TABLE accepted_risks (
    repo_key    text NOT NULL,
    path        text NOT NULL,
    threat_id   text NOT NULL,
    system_id   text NOT NULL DEFAULT '',
    system_name text NOT NULL DEFAULT '',
    title       text NOT NULL DEFAULT '',
    risk        text NOT NULL DEFAULT '',
    accepted_by text NOT NULL DEFAULT '',
    reason      text NOT NULL DEFAULT '',
    until       text NOT NULL DEFAULT '',
    PRIMARY KEY (repo_key, path, threat_id)
);
CREATE INDEX accepted_risks_until ON accepted_risks (until);

-- Open threats of the valid models by risk, per repository and UTC day
-- (YYYY-MM-DD); the day's last reconcile wins.
CREATE TABLE risk_history (
    repo_key   text NOT NULL,
    day        text NOT NULL,
    low        integer NOT NULL DEFAULT 0,
    medium     integer NOT NULL DEFAULT 0,
    high       integer NOT NULL DEFAULT 0,
    critical   integer NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (repo_key, day)
);
CREATE INDEX risk_history_day ON risk_history (day);
