-- OAuth 2.0 clients of the REST bridge, per trust domain. Secrets only as SHA-256 (256-bit
-- generated secrets; see docs/oauth.md), the previous one while a rotation overlaps.

CREATE TABLE id_oauth_client (
    trust_domain         VARCHAR(255)  NOT NULL REFERENCES id_trust_domain (name),
    client_id            VARCHAR(128)  NOT NULL,
    auth_method          VARCHAR(32)   NOT NULL,
    grant_types          VARCHAR(512)  NOT NULL,
    scopes               VARCHAR(8704) NOT NULL,
    audiences            VARCHAR(4200) NOT NULL,
    jwks_json            TEXT,
    tls_spiffe_id        VARCHAR(2048),
    token_ttl_ms         BIGINT        NOT NULL,
    secret_sha256        VARCHAR(64),
    previous_sha256      VARCHAR(64),
    previous_expires_at  TIMESTAMP WITH TIME ZONE,
    created_at           TIMESTAMP WITH TIME ZONE NOT NULL,
    created_by           VARCHAR(2048) NOT NULL,
    updated_at           TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (trust_domain, client_id)
);
