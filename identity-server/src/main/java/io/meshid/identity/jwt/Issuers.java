package io.meshid.identity.jwt;

import io.meshid.common.server.MeshidConfig;
import io.meshid.common.spiffe.InvalidSpiffeIdException;
import io.meshid.common.spiffe.TrustDomain;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.Optional;

/**
 * The {@code iss} of each trust domain's tokens, one issuer per trust domain and back:
 * {@code spiffe://<trust-domain>}, or for the home trust domain {@code meshid.identity.jwt.issuer}
 * when that is set. Immutable and thread-safe.
 */
@Singleton
public final class Issuers {

    private final TrustDomain home;
    private final Optional<String> homeIssuer;

    @Inject
    Issuers(MeshidConfig meshid, JwtConfig config) {
        this(meshid.getTrustDomain(), config.getIssuer());
    }

    /** For tests and tools: the home trust domain and its issuer URL, if it has one. */
    public Issuers(TrustDomain home, Optional<String> homeIssuer) {
        this.home = home;
        this.homeIssuer = homeIssuer;
    }

    /** The {@code iss} of {@code domain}'s tokens. */
    public String issuer(TrustDomain domain) {
        return domain.equals(home) && homeIssuer.isPresent() ? homeIssuer.get() : "spiffe://" + domain.name();
    }

    /** The trust domain whose issuer is exactly {@code iss}, if any. */
    public Optional<TrustDomain> trustDomainOf(String iss) {
        if (iss == null) {
            return Optional.empty();
        }
        if (homeIssuer.isPresent() && homeIssuer.get().equals(iss)) {
            return Optional.of(home);
        }
        if (!iss.startsWith("spiffe://") || iss.length() > 9 + 255) {
            return Optional.empty();
        }
        try {
            TrustDomain domain = TrustDomain.of(iss.substring(9));
            return issuer(domain).equals(iss) ? Optional.of(domain) : Optional.empty();
        } catch (InvalidSpiffeIdException e) {
            return Optional.empty();
        }
    }
}
