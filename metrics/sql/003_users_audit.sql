-- Schema version 3: local users with roles, and the append-only audit log.
-- Passwords are stored only as Argon2id hashes (salted by the algorithm); users
-- who sign in through OIDC have no password here and source = 'oidc'.

CREATE TABLE app_user (
    username      VARCHAR PRIMARY KEY,
    display_name  VARCHAR NOT NULL,
    role          VARCHAR NOT NULL CHECK (role IN ('viewer', 'inspector', 'director', 'analyst', 'admin')),
    password_hash VARCHAR,
    source        VARCHAR NOT NULL DEFAULT 'local' CHECK (source IN ('local', 'oidc')),
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    TIMESTAMP NOT NULL DEFAULT current_timestamp,
    created_by    VARCHAR NOT NULL
);

-- Append-only: the library has no function that updates or deletes a row here.
CREATE TABLE audit_log (
    audit_id  BIGINT PRIMARY KEY,
    logged_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    username  VARCHAR NOT NULL,
    role      VARCHAR,
    action    VARCHAR NOT NULL,
    target    VARCHAR,
    outcome   VARCHAR NOT NULL CHECK (outcome IN ('ok', 'refused', 'failed')),
    detail    VARCHAR
);
