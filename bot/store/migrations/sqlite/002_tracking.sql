-- Tracking: one issue per planned mitigation, and per repository the
-- default-branch commit last reconciled and its summary issue.

CREATE TABLE mitigation_issues (
    repo_key          TEXT NOT NULL,
    key               TEXT NOT NULL,
    number            INTEGER NOT NULL DEFAULT 0,
    url               TEXT NOT NULL DEFAULT '',
    state             TEXT NOT NULL DEFAULT '',
    closed_by_bot     INTEGER NOT NULL DEFAULT 0,
    human_close_noted INTEGER NOT NULL DEFAULT 0,
    path              TEXT NOT NULL DEFAULT '',
    content           TEXT NOT NULL DEFAULT '',
    system            TEXT NOT NULL DEFAULT '',
    mitigation        TEXT NOT NULL DEFAULT '',
    title             TEXT NOT NULL DEFAULT '',
    status            TEXT NOT NULL DEFAULT '',
    risk              TEXT NOT NULL DEFAULT '',
    owner             TEXT NOT NULL DEFAULT '',
    due               TEXT NOT NULL DEFAULT '',
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    PRIMARY KEY (repo_key, key)
);

CREATE TABLE repo_tracking (
    repo_key       TEXT PRIMARY KEY,
    sha            TEXT NOT NULL DEFAULT '',
    summary_number INTEGER NOT NULL DEFAULT 0,
    summary_hash   TEXT NOT NULL DEFAULT '',
    updated_at     TEXT NOT NULL
);
