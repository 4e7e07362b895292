-- The CA's state: its authorities (keys sealed with the key-encryption key), the bundle sequence
-- per trust domain, and the journal of every certificate it issued.

CREATE TABLE ca_trust_domain (
    name            VARCHAR(255) PRIMARY KEY,
    bundle_sequence BIGINT       NOT NULL,
    updated_at      TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE TABLE ca_authority (
    id           VARCHAR(64)  PRIMARY KEY,
    trust_domain VARCHAR(255) NOT NULL REFERENCES ca_trust_domain (name),
    level        VARCHAR(16)  NOT NULL,
    parent_id    VARCHAR(64),
    state        VARCHAR(16)  NOT NULL,
    certificate  BYTEA        NOT NULL,
    sealed_key   BYTEA        NOT NULL,
    created_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    activated_at TIMESTAMP WITH TIME ZONE,
    retire_after TIMESTAMP WITH TIME ZONE
);

CREATE INDEX ca_authority_domain ON ca_authority (trust_domain, state);

CREATE TABLE ca_issued (
    serial            VARCHAR(64)   PRIMARY KEY,
    trust_domain      VARCHAR(255)  NOT NULL,
    spiffe_id         VARCHAR(2048) NOT NULL,
    not_before        TIMESTAMP WITH TIME ZONE NOT NULL,
    not_after         TIMESTAMP WITH TIME ZONE NOT NULL,
    caller            VARCHAR(2048) NOT NULL,
    public_key_sha256 VARCHAR(64)   NOT NULL,
    dns_names         VARCHAR(4096) NOT NULL,
    entry_id          VARCHAR(128)  NOT NULL,
    issuer_id         VARCHAR(64)   NOT NULL,
    issued_at         TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE INDEX ca_issued_domain_id ON ca_issued (trust_domain, spiffe_id);
CREATE INDEX ca_issued_domain_issued ON ca_issued (trust_domain, issued_at);
