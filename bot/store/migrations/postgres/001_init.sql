-- tmbot's own tables (River's are created by rivermigrate).

CREATE TABLE deliveries (
    forge       text NOT NULL,
    id          text NOT NULL,
    event       text NOT NULL,
    received_at timestamptz NOT NULL,
    PRIMARY KEY (forge, id)
);
CREATE INDEX deliveries_received_at ON deliveries (received_at);

CREATE TABLE installations (
    id         bigint PRIMARY KEY,
    account    text NOT NULL,
    suspended  boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL
);

CREATE TABLE repos (
    key            text PRIMARY KEY,
    forge          text NOT NULL,
    installation   bigint NOT NULL,
    repo_id        bigint NOT NULL DEFAULT 0,
    owner          text NOT NULL,
    name           text NOT NULL,
    default_branch text NOT NULL DEFAULT '',
    updated_at     timestamptz NOT NULL
);
CREATE INDEX repos_installation ON repos (forge, installation);

CREATE TABLE pulls (
    key            text PRIMARY KEY,
    repo_key       text NOT NULL,
    forge          text NOT NULL,
    installation   bigint NOT NULL,
    repo_id        bigint NOT NULL DEFAULT 0,
    owner          text NOT NULL,
    name           text NOT NULL,
    default_branch text NOT NULL DEFAULT '',
    number         integer NOT NULL,
    title          text NOT NULL DEFAULT '',
    base_ref       text NOT NULL DEFAULT '',
    base_sha       text NOT NULL DEFAULT '',
    head_sha       text NOT NULL DEFAULT '',
    head_repo      text NOT NULL DEFAULT '',
    draft          boolean NOT NULL DEFAULT false,
    state          text NOT NULL DEFAULT '',
    author         text NOT NULL DEFAULT '',
    updated_at     timestamptz NOT NULL
);
CREATE INDEX pulls_repo_key ON pulls (repo_key, state);

CREATE TABLE pr_state (
    pr_key         text PRIMARY KEY,
    repo_key       text NOT NULL,
    comment_id     bigint NOT NULL DEFAULT 0,
    comment_hash   text NOT NULL DEFAULT '',
    check_run_id   bigint NOT NULL DEFAULT 0,
    check_head_sha text NOT NULL DEFAULT '',
    check_hash     text NOT NULL DEFAULT '',
    reviewed_head  text NOT NULL DEFAULT '',
    reviewed_at    timestamptz,
    updated_at     timestamptz NOT NULL
);
CREATE INDEX pr_state_repo_key ON pr_state (repo_key);

CREATE TABLE reviews (
    id              bigserial PRIMARY KEY,
    pr_key          text NOT NULL,
    repo_key        text NOT NULL,
    head_sha        text NOT NULL,
    blocking        boolean NOT NULL DEFAULT false,
    models          integer NOT NULL DEFAULT 0,
    new_unmitigated integer NOT NULL DEFAULT 0,
    errors          integer NOT NULL DEFAULT 0,
    at              timestamptz NOT NULL
);
CREATE INDEX reviews_pr_head ON reviews (pr_key, head_sha);
CREATE INDEX reviews_repo_at ON reviews (repo_key, at);

CREATE TABLE locks (
    key        text PRIMARY KEY,
    owner      text NOT NULL,
    expires_at timestamptz NOT NULL
);
