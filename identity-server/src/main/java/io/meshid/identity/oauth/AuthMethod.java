package io.meshid.identity.oauth;

import java.util.Arrays;
import java.util.Optional;

/** How an OAuth client authenticates at the bridge (names of the IANA OAuth client authentication methods). */
public enum AuthMethod {
    /** The secret in an HTTP Basic {@code Authorization} header (RFC 6749 section 2.3.1). */
    CLIENT_SECRET_BASIC("client_secret_basic"),
    /** The secret as {@code client_secret} in the form body. */
    CLIENT_SECRET_POST("client_secret_post"),
    /** A JWT assertion signed with a key of the client's registered JWKS (RFC 7523 section 2.2). */
    PRIVATE_KEY_JWT("private_key_jwt"),
    /** Mutual TLS with an X.509-SVID that carries the registered SPIFFE ID (RFC 8705 section 2.1). */
    TLS_CLIENT_AUTH("tls_client_auth");

    private final String wireName;

    AuthMethod(String wireName) {
        this.wireName = wireName;
    }

    /** The name in the OAuth registries and in metadata. */
    public String wireName() {
        return wireName;
    }

    /** Whether the client holds a generated secret. */
    public boolean usesSecret() {
        return this == CLIENT_SECRET_BASIC || this == CLIENT_SECRET_POST;
    }

    /** The method named {@code name}, if one is. */
    public static Optional<AuthMethod> ofWireName(String name) {
        return Arrays.stream(values()).filter(m -> m.wireName.equals(name)).findFirst();
    }
}
