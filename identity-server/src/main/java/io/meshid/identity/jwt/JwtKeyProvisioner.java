package io.meshid.identity.jwt;

import io.meshid.common.spiffe.TrustDomain;
import io.meshid.identity.trustdomain.TrustDomainProvisioner;
import jakarta.inject.Singleton;

/**
 * Gives a new trust domain its JWT signing keys as part of {@code CreateTrustDomain}, so that
 * its JWKS is published before its first workload asks for a token. Idempotent: a trust domain
 * that has keys keeps them. Thread-safe.
 */
@Singleton
final class JwtKeyProvisioner implements TrustDomainProvisioner {

    private final JwtKeyManager keys;

    JwtKeyProvisioner(JwtKeyManager keys) {
        this.keys = keys;
    }

    @Override
    public void provision(TrustDomain domain) {
        keys.ensure(domain);
    }
}
