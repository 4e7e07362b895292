package io.meshid.identity.jwt;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.testing.MutableClock;
import io.meshid.common.testing.TestDatabase;
import io.micronaut.context.ApplicationContext;
import java.util.HashMap;
import java.util.Map;

/** identity-server application contexts (no servers) for token tests: a database, a moving clock, a test KEK. */
public final class JwtTestContexts {

    /** A throwaway key-encryption key for tests, never used anywhere else. */
    public static final String TEST_KEK = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";

    private JwtTestContexts() {
    }

    /** Properties for {@code database}, trust domain {@code domain}, and the test KEK. */
    public static Map<String, Object> properties(TestDatabase database, String domain) {
        Map<String, Object> p = new HashMap<>(database.properties("common", "identity-server"));
        p.put("meshid.trust-domain", domain);
        p.put("meshid.identity.key-encryption-key", TEST_KEK);
        return p;
    }

    /** A started context whose every TTL, expiry and rotation reads {@code clock}. */
    public static ApplicationContext start(Map<String, Object> properties, MutableClock clock) {
        return ApplicationContext.builder().properties(properties).singletons(clock).start();
    }

    /**
     * Signs {@code claims} as they are with {@code domain}'s real active key, bypassing the
     * issuer's checks: for tokens meshid would never mint (no {@code exp}, already expired).
     */
    public static String signWithActiveKey(ApplicationContext context, TrustDomain domain, JWTClaimsSet claims) throws Exception {
        return signWithActiveKey(context, domain, claims, null);
    }

    /** As {@link #signWithActiveKey(ApplicationContext, TrustDomain, JWTClaimsSet)}, with {@code kid} in the header (null: the key's). */
    public static String signWithActiveKey(ApplicationContext context, TrustDomain domain, JWTClaimsSet claims, String kid)
            throws Exception {
        JwtKeyManager.SigningKey key = context.getBean(JwtKeyManager.class).signingKey(domain);
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).type(JOSEObjectType.JWT)
                .keyID(kid == null ? key.kid() : kid).build(), claims);
        jwt.sign(key.signer());
        return jwt.serialize();
    }
}
