package io.meshid.identity.exchange;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import java.io.IOException;
import java.nio.file.Files;
import java.text.ParseException;
import java.time.Clock;
import java.util.Arrays;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.net.ssl.SSLSocketFactory;

/**
 * Verifies the tokens of one configured external OIDC issuer and turns them into
 * {@link PresentedToken}s: signature with a key of its JWKS (an allowed asymmetric algorithm only,
 * so never {@code none} or HMAC), {@code iss} exactly, {@code aud} containing the configured
 * audience, {@code exp} and {@code nbf} within the clock skew, {@code sub} present. Its {@code sub}
 * always becomes {@code spiffe://<trust-domain><spiffe-path-prefix>/<sub>} (a {@code sub} that is
 * not one path segment, a {@code spiffe://} ID say, is refused), and its {@code act} is dropped:
 * another issuer's delegation chain is never copied into a token meshid signs, where it would read
 * as meshid's own. The JWKS comes
 * from nimbus' {@link JWKSourceBuilder}: cached, refreshed in the background ahead of expiry,
 * fetches rate-limited and bounded by timeouts and a size limit, so a request never waits on more
 * than one bounded fetch. Thread-safe.
 */
final class ExternalIssuer implements AutoCloseable {

    private static final int JWKS_SIZE_LIMIT = 256 * 1024;
    private static final Pattern SUBJECT_SEGMENT = Pattern.compile("[A-Za-z0-9._-]{1,255}");
    private static final Set<JOSEObjectType> TYPES = Set.of(JOSEObjectType.JWT, new JOSEObjectType("at+jwt"),
            new JOSEObjectType("application/at+jwt"));

    private final ExternalIssuerConfig config;
    private final TrustDomain trustDomain;
    private final JWKSource<SecurityContext> keys;
    private final DefaultJWTProcessor<SecurityContext> processor;

    ExternalIssuer(ExternalIssuerConfig config, TrustDomain trustDomain, Clock clock, SSLSocketFactory tls) {
        config.check();
        this.config = config;
        this.trustDomain = trustDomain;
        this.keys = keySource(config, tls);
        processor = new DefaultJWTProcessor<>();
        Set<JOSEObjectType> types = new HashSet<>(TYPES);
        types.add(null);
        processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(types));
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(
                config.getAlgorithms().stream().map(JWSAlgorithm::parse).collect(Collectors.toSet()), keys));
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(config.getAudience(),
                new JWTClaimsSet.Builder().issuer(config.getIssuer()).build(), Set.of("sub", "exp")) {
            @Override
            protected Date currentTime() {
                return Date.from(clock.instant());
            }
        };
        claims.setMaxClockSkew((int) config.getClockSkew().toSeconds());
        processor.setJWTClaimsSetVerifier(claims);
    }

    private static JWKSource<SecurityContext> keySource(ExternalIssuerConfig config, SSLSocketFactory tls) {
        if (config.getJwksFile().isPresent()) {
            try {
                return new ImmutableJWKSet<>(JWKSet.parse(Files.readString(config.getJwksFile().get())));
            } catch (IOException | ParseException e) {
                throw new io.micronaut.context.exceptions.ConfigurationException(ExternalIssuerConfig.PREFIX + "." + config.getName()
                        + ".jwks-file: " + config.getJwksFile().get() + " is not a readable JWK Set (" + e.getMessage() + ")");
            }
        }
        int timeout = (int) config.getJwksRefreshTimeout().toMillis();
        DefaultResourceRetriever retriever = new DefaultResourceRetriever(timeout, timeout, JWKS_SIZE_LIMIT, true, tls);
        try {
            long ttl = config.getJwksCacheTtl().toMillis();
            return JWKSourceBuilder.<SecurityContext>create(config.getJwksUri().get().toURL(), retriever)
                    .cache(ttl, timeout)
                    .refreshAheadCache(Math.min(ttl / 5, 30_000), true)
                    .rateLimited(config.getJwksMinRefreshInterval().toMillis())
                    .retrying(false)
                    .build();
        } catch (java.net.MalformedURLException e) {
            throw new io.micronaut.context.exceptions.ConfigurationException(ExternalIssuerConfig.PREFIX + "." + config.getName()
                    + ".jwks-uri: " + e.getMessage());
        }
    }

    /** Its configured {@code iss}. */
    String issuer() {
        return config.getIssuer();
    }

    /**
     * Verifies {@code jwt}, presented in request field {@code field}.
     *
     * @throws MeshidException {@code INVALID_GRANT} when it does not verify; {@code UNAVAILABLE}
     *     when the issuer's JWKS cannot be fetched
     */
    PresentedToken verify(String field, SignedJWT jwt) {
        JWTClaimsSet claims;
        try {
            claims = processor.process(jwt, null);
        } catch (RateLimitReachedException e) {
            throw OAuthErrors.invalidGrant(field + ": signed with a key (kid " + jwt.getHeader().getKeyID() + ") that is not in "
                    + "issuer " + config.getIssuer() + "'s JWKS, fetched less than " + config.getJwksMinRefreshInterval() + " ago");
        } catch (KeySourceException e) {
            throw new MeshidException.Unavailable("the JWKS of issuer " + config.getIssuer() + " cannot be fetched now (expected: "
                    + "it answers at " + config.getJwksUri().map(Object::toString).orElse("?") + "; retry)", e);
        } catch (BadJOSEException | com.nimbusds.jose.JOSEException e) {
            throw OAuthErrors.invalidGrant(field + ": does not verify as a token of issuer " + config.getIssuer() + " (" + e.getMessage() + ")");
        }
        try {
            return new PresentedToken(PresentedToken.Origin.EXTERNAL, config.getIssuer(), trustDomain, subject(field, claims.getSubject()),
                    claims.getAudience(), scopes(claims), claims.getExpirationTime().toInstant(),
                    claims.getJWTID(), Optional.empty(), Optional.ofNullable(claims.getJSONObjectClaim("may_act")));
        } catch (ParseException e) {
            throw OAuthErrors.invalidGrant(field + ": a claim of issuer " + config.getIssuer() + "'s token is malformed (" + e.getMessage() + ")");
        }
    }

    private String subject(String field, String sub) {
        if (!SUBJECT_SEGMENT.matcher(sub).matches()) {
            throw OAuthErrors.invalidGrant(field + ": sub '" + TokenTypeUri.shorten(sub) + "' cannot become a SPIFFE ID path segment "
                    + "(expected: letters, digits, '.', '_' or '-')");
        }
        return SpiffeId.of(trustDomain, config.getSpiffePathPrefix().orElseThrow() + "/" + sub).toString();
    }

    private static List<String> scopes(JWTClaimsSet claims) throws ParseException {
        Object scope = claims.getClaim("scope");
        if (scope instanceof String s) {
            return Arrays.stream(s.trim().split(" +")).filter(x -> !x.isEmpty()).toList();
        }
        List<String> scp = claims.getStringListClaim(scope != null ? "scope" : "scp");
        return scp == null ? List.of() : scp;
    }

    @Override
    public void close() {
        if (keys instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                // closing the background refresh; nothing to report
            }
        }
    }

    @Override
    public String toString() {
        return "ExternalIssuer[" + config.getName() + ", " + config.getIssuer() + "]";
    }
}
