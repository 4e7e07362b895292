-- The SVIDs identity-server had signed, by SPIFFE ID and key: a key is used for one SVID of a
-- SPIFFE ID only (a reused CSR key is refused), and a revoked serial cannot renew.

CREATE TABLE id_svid (
    trust_domain      VARCHAR(255)  NOT NULL,
    spiffe_id         VARCHAR(2048) NOT NULL,
    public_key_sha256 VARCHAR(64)   NOT NULL,
    serial            VARCHAR(64),
    not_after         TIMESTAMP WITH TIME ZONE,
    created_at        TIMESTAMP WITH TIME ZONE NOT NULL,
    revoked_at        TIMESTAMP WITH TIME ZONE,
    revocation_reason VARCHAR(32),
    CONSTRAINT id_svid_key PRIMARY KEY (trust_domain, spiffe_id, public_key_sha256)
);

CREATE UNIQUE INDEX id_svid_serial ON id_svid (trust_domain, serial);
