-- identity-server's registry: trust domains, registration entries, join tokens (only their hash).

CREATE TABLE id_trust_domain (
    name        VARCHAR(255)  PRIMARY KEY,
    description VARCHAR(1024) NOT NULL,
    created_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    created_by  VARCHAR(2048) NOT NULL
);

CREATE TABLE id_entry (
    id            VARCHAR(36)   PRIMARY KEY,
    trust_domain  VARCHAR(255)  NOT NULL REFERENCES id_trust_domain (name),
    spiffe_id     VARCHAR(2048) NOT NULL,
    selectors     VARCHAR(8192) NOT NULL,
    x509_ttl_ms   BIGINT        NOT NULL,
    jwt_ttl_ms    BIGINT        NOT NULL,
    dns_names     VARCHAR(4096) NOT NULL,
    admin         BOOLEAN       NOT NULL,
    created_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    created_by    VARCHAR(2048) NOT NULL,
    CONSTRAINT id_entry_unique UNIQUE (trust_domain, spiffe_id, selectors)
);

CREATE INDEX id_entry_domain_id ON id_entry (trust_domain, spiffe_id, id);

CREATE TABLE id_join_token (
    token_sha256 VARCHAR(64)  PRIMARY KEY,
    entry_id     VARCHAR(36)  NOT NULL REFERENCES id_entry (id) ON DELETE CASCADE,
    expires_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    created_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    consumed_at  TIMESTAMP WITH TIME ZONE
);

CREATE INDEX id_join_token_entry ON id_join_token (entry_id);
