package io.meshid.common.kubernetes;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.spiffe.InvalidSpiffeIdException;
import io.meshid.common.spiffe.TrustDomain;
import io.micronaut.context.exceptions.ConfigurationException;
import java.net.URI;
import java.net.URL;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Verifies Kubernetes projected service account tokens with nimbus-jose-jwt: the signature
 * against the cluster issuer's JWKS (RS256/ES256 family only; {@code alg: none} and HMAC are
 * refused), {@code iss} equal to the cluster's issuer, the configured audience in {@code aud},
 * {@code exp} and {@code nbf} with 60 s of clock skew, and the {@code kubernetes.io} claims
 * (namespace and service account, consistent with {@code sub}). Each cluster's JWKS is cached
 * (its {@code jwks-cache-ttl}, 5 min by default), fetched again at most every few seconds when a
 * token names an unknown key, and bounded to 256 KiB. Every failure is an
 * {@link MeshidException.Unauthenticated} that names the cluster and the reason, never the token.
 * With {@link Use#soleAudience()} a token must name the configured audience and no other, so a
 * token shown to another audience (identity-server, a third party) cannot be replayed here.
 * Clusters are checked when it is made (at start-up: each server makes one from its own
 * configuration, identity-server for workloads, cert-authority for the servers). Thread-safe.
 */
public final class KubernetesTokenVerifier {

    /** Longest token accepted, as the contract says. */
    static final int MAX_TOKEN = 8 * 1024;
    private static final int SKEW_SECONDS = 60;
    private static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
            JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512, JWSAlgorithm.ES256, JWSAlgorithm.ES384);

    /** What a verified token proves. */
    public record ServiceAccount(String cluster, TrustDomain trustDomain, String namespace, String name) {
    }

    /**
     * Who verifies: {@code prefix} is where the clusters are configured (for messages), {@code server}
     * names the verifying server in refusals, and {@code soleAudience} refuses tokens that also name
     * other audiences.
     */
    public record Use(String prefix, String server, boolean soleAudience) {
    }

    private record Verifier(KubernetesCluster cluster, TrustDomain trustDomain, DefaultJWTProcessor<SecurityContext> processor) {
    }

    private final Map<String, Verifier> clusters = new HashMap<>();
    private final Use use;

    /**
     * Checks {@code configured} and verifies their tokens; an account's trust domain is its
     * cluster's {@code trust-domain}, else {@code defaultDomain}.
     *
     * @throws ConfigurationException naming the key of a bad setting
     */
    public KubernetesTokenVerifier(Use use, List<? extends KubernetesCluster> configured, TrustDomain defaultDomain, Clock clock) {
        this.use = use;
        for (KubernetesCluster c : configured) {
            clusters.put(c.getName(), verifier(use.prefix() + "." + c.getName(), c, defaultDomain, clock));
        }
    }

    private static Verifier verifier(String key, KubernetesCluster c, TrustDomain defaultDomain, Clock clock) {
        if (!c.getName().matches("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")) {
            throw new ConfigurationException(key + ": the name (expected: 1 to 63 lowercase letters, digits or '-')");
        }
        if (c.getIssuer() == null || c.getIssuer().isBlank()) {
            throw new ConfigurationException(key + ".issuer: not set (expected: the iss of the cluster's service account tokens)");
        }
        if (c.getAudience() == null || c.getAudience().isBlank()) {
            throw new ConfigurationException(key + ".audience: not set (expected: the audience of the projected token volume)");
        }
        if (c.getJwksFile().isPresent() == c.getJwksUrl().isPresent()) {
            throw new ConfigurationException(key + ": jwks-file and jwks-url (expected: exactly one of them)");
        }
        Duration ttl = c.getJwksCacheTtl();
        if (ttl == null || ttl.compareTo(Duration.ofSeconds(10)) < 0 || ttl.compareTo(Duration.ofDays(1)) > 0) {
            throw new ConfigurationException(key + ".jwks-cache-ttl: " + ttl + " (expected: between PT10S and P1D)");
        }
        TrustDomain domain;
        try {
            domain = c.getTrustDomain().map(TrustDomain::of).orElse(defaultDomain);
        } catch (InvalidSpiffeIdException e) {
            throw new ConfigurationException(key + ".trust-domain: " + e.getMessage());
        }
        JWKSourceBuilder<SecurityContext> builder = c.getJwksFile().isPresent()
                ? JWKSourceBuilder.create(new FileJwkSetSource(c.getJwksFile().get()))
                : JWKSourceBuilder.create(url(key, c.getJwksUrl().get()), new DefaultResourceRetriever(2_000, 2_000,
                        FileJwkSetSource.MAX_BYTES));
        JWKSource<SecurityContext> keys = builder.cache(ttl.toMillis(), 15_000).rateLimited(5_000).retrying(false).build();
        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(ALGORITHMS, keys));
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(Set.of(c.getAudience()),
                new JWTClaimsSet.Builder().issuer(c.getIssuer()).build(), Set.of("sub", "exp", "iat", "kubernetes.io"), Set.of()) {
            @Override
            protected Date currentTime() {
                return Date.from(clock.instant());
            }
        };
        claims.setMaxClockSkew(SKEW_SECONDS);
        processor.setJWTClaimsSetVerifier(claims);
        return new Verifier(c, domain, processor);
    }

    private static URL url(String key, String text) {
        try {
            URI uri = URI.create(text);
            if (!"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new IllegalArgumentException("not an https URL");
            }
            return uri.toURL();
        } catch (IllegalArgumentException | java.net.MalformedURLException e) {
            throw new ConfigurationException(key + ".jwks-url: '" + text + "' (expected: an https URL of the issuer's JWKS)");
        }
    }

    /** The configured cluster names. */
    public Set<String> clusters() {
        return Set.copyOf(clusters.keySet());
    }

    /** Verifies {@code token} of {@code cluster} and returns the service account it proves. */
    public ServiceAccount verify(String cluster, String token) {
        Verifier v = clusters.get(cluster);
        if (v == null) {
            throw new MeshidException.Unauthenticated("kubernetes.cluster: '" + printable(cluster)
                    + "' is not a configured cluster (expected: one of " + clusters.keySet().stream().sorted().toList() + ")");
        }
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN) {
            throw new MeshidException.Unauthenticated("kubernetes.token: " + (token == null ? 0 : token.length())
                    + " characters (expected: a service account token of 1 to " + MAX_TOKEN + ")");
        }
        JWTClaimsSet claims;
        try {
            claims = v.processor().process(token, null);
        } catch (ParseException e) {
            throw refused(cluster, "not a JWT");
        } catch (BadJOSEException | JOSEException e) {
            throw refused(cluster, e.getMessage());
        }
        return serviceAccount(v, claims);
    }

    private ServiceAccount serviceAccount(Verifier v, JWTClaimsSet claims) {
        String cluster = v.cluster().getName();
        if (use.soleAudience() && claims.getAudience().size() != 1) {
            throw refused(cluster, "aud names " + claims.getAudience().size() + " audiences, and "
                    + use.server() + " accepts only tokens made for it alone");
        }
        Object k8s = claims.getClaim("kubernetes.io");
        if (!(k8s instanceof Map<?, ?> kubernetes) || !(kubernetes.get("namespace") instanceof String namespace)
                || !(kubernetes.get("serviceaccount") instanceof Map<?, ?> sa) || !(sa.get("name") instanceof String name)) {
            throw refused(cluster, "no kubernetes.io namespace and serviceaccount.name claims");
        }
        String label = "[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?";
        if (!namespace.matches(label) || !name.matches(label)) {
            throw refused(cluster, "namespace or service account name is not a Kubernetes name");
        }
        if (!("system:serviceaccount:" + namespace + ":" + name).equals(claims.getSubject())) {
            throw refused(cluster, "sub does not match the kubernetes.io claims");
        }
        return new ServiceAccount(cluster, v.trustDomain(), namespace, name);
    }

    private MeshidException refused(String cluster, String reason) {
        String audience = Optional.ofNullable(clusters.get(cluster)).map(v -> " " + v.cluster().getAudience()).orElse("");
        return new MeshidException.Unauthenticated("kubernetes token of cluster " + cluster + " refused: " + reason
                + " (expected: a projected service account token of that cluster, unexpired, for " + use.server()
                + "'s audience" + audience + ")");
    }

    private static String printable(String s) {
        if (s == null) {
            return "";
        }
        String cut = s.length() > 63 ? s.substring(0, 63) + "…" : s;
        return cut.replaceAll("[^\\x21-\\x7e]", "?");
    }

    /** The trust domain of {@code cluster}'s workloads, if it is configured. */
    public Optional<TrustDomain> trustDomainOf(String cluster) {
        return Optional.ofNullable(clusters.get(cluster)).map(Verifier::trustDomain);
    }
}
