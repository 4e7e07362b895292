-- JWT signing keys per trust domain (private keys sealed with identity-server's key-encryption
-- key), and one row per trust domain that replicas lock while they rotate its keys.

CREATE TABLE id_jwt_domain (
    trust_domain VARCHAR(255) PRIMARY KEY,
    updated_at   TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE TABLE id_jwt_key (
    kid          VARCHAR(64)   PRIMARY KEY,
    trust_domain VARCHAR(255)  NOT NULL REFERENCES id_jwt_domain (trust_domain),
    state        VARCHAR(16)   NOT NULL,
    algorithm    VARCHAR(16)   NOT NULL,
    public_jwk   VARCHAR(2048) NOT NULL,
    sealed_key   BYTEA         NOT NULL,
    created_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    not_after    TIMESTAMP WITH TIME ZONE NOT NULL,
    activated_at TIMESTAMP WITH TIME ZONE,
    stopped_at   TIMESTAMP WITH TIME ZONE
);

CREATE INDEX id_jwt_key_domain ON id_jwt_key (trust_domain, state);
