-- Revocation of issued certificates (RevokeCertificate): when and why, NULL while valid.

ALTER TABLE ca_issued ADD COLUMN revoked_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE ca_issued ADD COLUMN revocation_reason VARCHAR(32);
