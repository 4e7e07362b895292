-- policy-server's store: every version of every trust domain's policy set (immutable rows), and
-- one head row per trust domain that numbers versions and says which one is active and which is
-- the shadow. A put locks the head row, so numbers stay gap-free and unique across replicas.

CREATE TABLE pol_head (
    trust_domain   VARCHAR(255) PRIMARY KEY,
    latest_version BIGINT       NOT NULL,
    active_version BIGINT       NOT NULL,
    active_since   TIMESTAMP WITH TIME ZONE,
    shadow_version BIGINT       NOT NULL,
    shadow_since   TIMESTAMP WITH TIME ZONE
);

CREATE TABLE pol_version (
    trust_domain   VARCHAR(255)  NOT NULL REFERENCES pol_head (trust_domain),
    version        BIGINT        NOT NULL,
    author         VARCHAR(2048) NOT NULL,
    created_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    comment        VARCHAR(1024) NOT NULL,
    shadow         BOOLEAN       NOT NULL,
    copied_from    BIGINT        NOT NULL,
    policy_count   INTEGER       NOT NULL,
    schema_format  VARCHAR(8)    NOT NULL,
    schema_text    TEXT          NOT NULL,
    policies_text  TEXT          NOT NULL,
    templates_json TEXT          NOT NULL,
    links_json     TEXT          NOT NULL,
    CONSTRAINT pol_version_pk PRIMARY KEY (trust_domain, version)
);
