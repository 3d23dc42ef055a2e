-- Dashboard sessions (bot/server/dashboard.go). A session cookie is let in
-- only while its row is here, so that logging out ends the session on the
-- server, for every replica. id is the hex SHA-256 of the cookie's nonce
-- (the cookie itself is not stored).
CREATE TABLE dashboard_sessions (
    id         TEXT PRIMARY KEY,
    expires_at TEXT NOT NULL
);
CREATE INDEX dashboard_sessions_expires_at ON dashboard_sessions (expires_at);
