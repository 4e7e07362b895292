-- Renewal lineage: the serial an SVID renewed (NULL for one from attestation), and how often (and
-- first when) an SVID was renewed: once, plus one retry within meshid.identity.renewal-grace.
-- Revoking a serial revokes its live descendants, found through parent_serial.

ALTER TABLE id_svid ADD COLUMN parent_serial VARCHAR(64);
ALTER TABLE id_svid ADD COLUMN renewals INTEGER DEFAULT 0 NOT NULL;
ALTER TABLE id_svid ADD COLUMN first_renewed_at TIMESTAMP WITH TIME ZONE;

CREATE INDEX id_svid_parent ON id_svid (trust_domain, parent_serial);

-- Revoked JWT ids, durable before RevokeToken answers, loaded into the shared store at start-up
-- (the in-process store forgets everything on a restart) and deleted once keep_until has passed.

CREATE TABLE id_revoked_token (
    trust_domain VARCHAR(255) NOT NULL,
    jti          VARCHAR(128) NOT NULL,
    keep_until   TIMESTAMP WITH TIME ZONE NOT NULL,
    revoked_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT id_revoked_token_key PRIMARY KEY (trust_domain, jti)
);

CREATE INDEX id_revoked_token_until ON id_revoked_token (keep_until);
