package io.meshid.identity.trustdomain;

import io.meshid.common.spiffe.TrustDomain;

/**
 * A part of identity-server that gives each new trust domain something of its own, such as its
 * JWT signing keys. {@link TrustDomains#create} calls every provisioner bean after cert-authority
 * serves the trust domain and before the trust domain is recorded: a provisioner that throws
 * aborts the creation (the trust domain is not recorded; the caller may retry). Because of that
 * retry, {@link #provision} must be idempotent: for a trust domain it provisioned before it
 * changes nothing. Implementations are beans and thread-safe.
 */
public interface TrustDomainProvisioner {

    /** Creates what {@code domain} needs, or nothing when it exists. */
    void provision(TrustDomain domain);
}
