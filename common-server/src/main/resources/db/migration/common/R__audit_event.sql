-- The audit trail, shared by every meshid server (each server keeps it in its own database).
-- A repeatable migration written to be idempotent, so that it sits beside each server's own
-- versioned migrations without taking version numbers from them. Change it only with idempotent
-- statements (ADD COLUMN IF NOT EXISTS, CREATE INDEX IF NOT EXISTS, DROP INDEX IF EXISTS): Flyway
-- runs it again whenever it changes, on databases that ran every earlier version of it.
CREATE TABLE IF NOT EXISTS audit_event (
    id           UUID PRIMARY KEY,
    occurred_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    trust_domain VARCHAR(255)  NOT NULL,
    actor        VARCHAR(2048) NOT NULL,
    action       VARCHAR(128)  NOT NULL,
    target       VARCHAR(2048) NOT NULL,
    outcome      VARCHAR(16)   NOT NULL,
    detail       VARCHAR(1024) NOT NULL,
    request_id   VARCHAR(128)  NOT NULL
);

CREATE INDEX IF NOT EXISTS audit_event_domain_time ON audit_event (trust_domain, occurred_at);

-- Pruning by age (meshid.audit.retention) deletes the oldest rows of each trust domain through
-- audit_event_domain_time. An index on the time alone served it until 2026-12-06; it cost every
-- insert 1 to 2 µs of PostgreSQL's CPU and served nothing else (docs/decisions.md).
DROP INDEX IF EXISTS audit_event_time;
