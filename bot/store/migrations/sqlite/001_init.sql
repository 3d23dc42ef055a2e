-- tmbot's own tables (River's are created by rivermigrate).
-- Times are UTC text, fixed width: 2006-01-02T15:04:05.000000Z, so that
-- text comparison is time order.

CREATE TABLE deliveries (
    forge       TEXT NOT NULL,
    id          TEXT NOT NULL,
    event       TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (forge, id)
);
CREATE INDEX deliveries_received_at ON deliveries (received_at);

CREATE TABLE installations (
    id         INTEGER PRIMARY KEY,
    account    TEXT NOT NULL,
    suspended  INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);

CREATE TABLE repos (
    key            TEXT PRIMARY KEY,
    forge          TEXT NOT NULL,
    installation   INTEGER NOT NULL,
    repo_id        INTEGER NOT NULL DEFAULT 0,
    owner          TEXT NOT NULL,
    name           TEXT NOT NULL,
    default_branch TEXT NOT NULL DEFAULT '',
    updated_at     TEXT NOT NULL
);
CREATE INDEX repos_installation ON repos (forge, installation);

CREATE TABLE pulls (
    key            TEXT PRIMARY KEY,
    repo_key       TEXT NOT NULL,
    forge          TEXT NOT NULL,
    installation   INTEGER NOT NULL,
    repo_id        INTEGER NOT NULL DEFAULT 0,
    owner          TEXT NOT NULL,
    name           TEXT NOT NULL,
    default_branch TEXT NOT NULL DEFAULT '',
    number         INTEGER NOT NULL,
    title          TEXT NOT NULL DEFAULT '',
    base_ref       TEXT NOT NULL DEFAULT '',
    base_sha       TEXT NOT NULL DEFAULT '',
    head_sha       TEXT NOT NULL DEFAULT '',
    head_repo      TEXT NOT NULL DEFAULT '',
    draft          INTEGER NOT NULL DEFAULT 0,
    state          TEXT NOT NULL DEFAULT '',
    author         TEXT NOT NULL DEFAULT '',
    updated_at     TEXT NOT NULL
);
CREATE INDEX pulls_repo_key ON pulls (repo_key, state);

CREATE TABLE pr_state (
    pr_key         TEXT PRIMARY KEY,
    repo_key       TEXT NOT NULL,
    comment_id     INTEGER NOT NULL DEFAULT 0,
    comment_hash   TEXT NOT NULL DEFAULT '',
    check_run_id   INTEGER NOT NULL DEFAULT 0,
    check_head_sha TEXT NOT NULL DEFAULT '',
    check_hash     TEXT NOT NULL DEFAULT '',
    reviewed_head  TEXT NOT NULL DEFAULT '',
    reviewed_at    TEXT,
    updated_at     TEXT NOT NULL
);
CREATE INDEX pr_state_repo_key ON pr_state (repo_key);

CREATE TABLE reviews (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    pr_key          TEXT NOT NULL,
    repo_key        TEXT NOT NULL,
    head_sha        TEXT NOT NULL,
    blocking        INTEGER NOT NULL DEFAULT 0,
    models          INTEGER NOT NULL DEFAULT 0,
    new_unmitigated INTEGER NOT NULL DEFAULT 0,
    errors          INTEGER NOT NULL DEFAULT 0,
    at              TEXT NOT NULL
);
CREATE INDEX reviews_pr_head ON reviews (pr_key, head_sha);
CREATE INDEX reviews_repo_at ON reviews (repo_key, at);

CREATE TABLE locks (
    key        TEXT PRIMARY KEY,
    owner      TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
