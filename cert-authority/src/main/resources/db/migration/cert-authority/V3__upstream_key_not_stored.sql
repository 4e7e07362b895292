-- An upstream CA's private key stays in the operator's file, behind the signer interface: its
-- authority row holds no key. (Rows an older release wrote are cleared when next loaded.)

ALTER TABLE ca_authority ALTER COLUMN sealed_key DROP NOT NULL;
