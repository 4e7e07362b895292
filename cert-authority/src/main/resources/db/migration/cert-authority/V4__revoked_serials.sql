-- The revoked, unexpired serials alone, written in the same transaction as the journal line's
-- revocation: every CA replica re-reads this small table every meshid.revocation.reload-interval
-- (the journal has no index on revoked_at, to keep issuance's inserts cheap). Rows of expired
-- certificates are deleted; the journal keeps the record.

CREATE TABLE ca_revoked (
    serial       VARCHAR(64)   PRIMARY KEY,
    trust_domain VARCHAR(255)  NOT NULL,
    not_after    TIMESTAMP WITH TIME ZONE NOT NULL,
    revoked_at   TIMESTAMP WITH TIME ZONE NOT NULL
);

INSERT INTO ca_revoked (serial, trust_domain, not_after, revoked_at)
    SELECT serial, trust_domain, not_after, revoked_at FROM ca_issued WHERE revoked_at IS NOT NULL;
