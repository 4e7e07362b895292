package io.meshid.ca.bundle;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A trust bundle in the SPIFFE bundle format (SPIFFE Trust Domain and Bundle standard, section 4):
 * a JWK Set whose keys have {@code "use": "x509-svid"} and carry their certificate in {@code x5c},
 * plus {@code spiffe_sequence} and {@code spiffe_refresh_hint}. This is what a federating trust
 * domain (SPIRE, Istio, another meshid) fetches from the bundle endpoint. Stateless.
 */
public final class SpiffeBundleDocument {

    private static final KeyUse X509_SVID = new KeyUse("x509-svid");

    private SpiffeBundleDocument() {
    }

    /** The JSON document of {@code bundle}. */
    public static String json(TrustBundle bundle, long refreshHintSeconds) {
        List<Object> keys = new ArrayList<>();
        for (X509Certificate certificate : bundle.authorities()) {
            try {
                JWK jwk = JWK.parse(certificate);
                Map<String, Object> json = new LinkedHashMap<>(jwk.toPublicJWK().toJSONObject());
                json.remove("kid");
                json.remove("exp");
                json.remove("nbf");
                json.remove("iat");
                json.remove("x5t#S256");
                json.put("use", X509_SVID.getValue());
                keys.add(json);
            } catch (JOSEException e) {
                throw new IllegalStateException("cannot express an authority of " + bundle.trustDomain() + " as a JWK", e);
            }
        }
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("keys", keys);
        document.put("spiffe_sequence", bundle.sequence());
        document.put("spiffe_refresh_hint", refreshHintSeconds);
        return com.nimbusds.jose.util.JSONObjectUtils.toJSONString(document);
    }
}
