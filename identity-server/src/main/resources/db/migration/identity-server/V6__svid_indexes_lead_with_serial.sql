-- The serial and parent indexes led with trust_domain, the first column of the primary key too.
-- On a table the planner had not yet analysed (every fresh deployment, and the first minute of a
-- cluster restart, when thousands of workloads attest at once) a generic plan for the key lookup
-- (trust_domain, spiffe_id, public_key_sha256) picked the smaller of those indexes on trust_domain
-- alone and filtered every row of the domain: each Attest and RenewX509Svid read the whole table.
-- Led by serial and parent_serial, they no longer match a lookup by trust_domain alone, so the
-- primary key is the only index that does. Every query that uses them names both columns.

DROP INDEX id_svid_serial;
CREATE UNIQUE INDEX id_svid_serial ON id_svid (serial, trust_domain);

DROP INDEX id_svid_parent;
CREATE INDEX id_svid_parent ON id_svid (parent_serial, trust_domain);
