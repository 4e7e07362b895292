-- Server identities from the CA itself (docs/operations.md, "Bootstrap"): the one-time join tokens
-- with which identity-server and policy-server attest to the CA, and the record of the first-admin
-- bootstrap. A token is stored as its SHA-256 only; what it grants (the SPIFFE ID and the expiry)
-- is sealed under the CA's key-encryption key with the hash as associated data, so a row written
-- by anyone without that key (database access alone) opens nothing.

CREATE TABLE ca_server_token (
    token_sha256 VARCHAR(64)   PRIMARY KEY,
    spiffe_id    VARCHAR(2048) NOT NULL,
    expires_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    sealed_grant BYTEA        NOT NULL,
    created_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    used_at      TIMESTAMP WITH TIME ZONE
);

CREATE TABLE ca_bootstrap (
    trust_domain VARCHAR(255)  PRIMARY KEY,
    spiffe_id    VARCHAR(2048) NOT NULL,
    serial       VARCHAR(64)   NOT NULL,
    created_at   TIMESTAMP WITH TIME ZONE NOT NULL
);
