package io.meshid.identity.exchange;

import io.meshid.common.server.MeshidConfig;
import io.meshid.common.spiffe.TrustDomain;
import io.micronaut.context.exceptions.ConfigurationException;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The configured external OIDC issuers, by {@code iss}. Built at start-up, where a bad or
 * duplicate issuer fails with its key; JWKS files are read then, JWKS URLs on first use and in the
 * background after that. Thread-safe.
 */
@Singleton
final class ExternalIssuers implements AutoCloseable {

    private final Map<String, ExternalIssuer> byIssuer = new HashMap<>();

    ExternalIssuers(List<ExternalIssuerConfig> configs, MeshidConfig meshid, Clock clock) {
        for (ExternalIssuerConfig c : configs) {
            TrustDomain domain = c.getTrustDomain().map(name -> domain(c, name)).orElse(meshid.getTrustDomain());
            ExternalIssuer issuer = new ExternalIssuer(c, domain, clock, null);
            ExternalIssuer earlier = byIssuer.putIfAbsent(c.getIssuer(), issuer);
            if (earlier != null) {
                throw new ConfigurationException(ExternalIssuerConfig.PREFIX + "." + c.getName() + ".issuer: " + c.getIssuer()
                        + " is configured twice (expected: one entry per issuer; also in " + earlier + ")");
            }
        }
    }

    private static TrustDomain domain(ExternalIssuerConfig c, String name) {
        try {
            return TrustDomain.of(name);
        } catch (RuntimeException e) {
            throw new ConfigurationException(ExternalIssuerConfig.PREFIX + "." + c.getName() + ".trust-domain: '" + name
                    + "' (expected: a trust domain name such as prod.example.org)");
        }
    }

    /** Whether no external issuer is configured. */
    boolean isEmpty() {
        return byIssuer.isEmpty();
    }

    /** The issuer whose {@code iss} this is, if configured. */
    Optional<ExternalIssuer> find(String iss) {
        return iss == null ? Optional.empty() : Optional.ofNullable(byIssuer.get(iss));
    }

    @Override
    @PreDestroy
    public void close() {
        byIssuer.values().forEach(ExternalIssuer::close);
    }
}
