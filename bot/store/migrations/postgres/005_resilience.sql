-- Forge calls that survive a bad day (bot/jobs/track.go, bot/jobs/budget.go).

-- A tracking reconcile's progress, kept across the attempts of one job:
-- what it read of the default branch at sha and the issues as it left
-- them, so that a retry does not read and list again. One row per
-- repository; deleted when the job ends or new work for the repository
-- is queued. state is JSON.
CREATE TABLE track_checkpoints (
    repo_key   text PRIMARY KEY,
    job_id     bigint NOT NULL,
    sha        text NOT NULL,
    state      bytea NOT NULL,
    updated_at timestamptz NOT NULL
);

-- The last primary rate limit an installation's calls reported, shared by
-- every replica: background work yields to reviews when it is low.
-- reset_at is a Unix time in seconds.
CREATE TABLE rate_budgets (
    budget_key text PRIMARY KEY,
    remaining  integer NOT NULL,
    reset_at   bigint NOT NULL,
    updated_at timestamptz NOT NULL
);
