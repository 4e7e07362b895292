package io.meshid.identity.oauth;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import io.meshid.common.errors.MeshidException.InvalidArgument;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What an admin asks a client to be (create and update), its bounds checked on construction in
 * the order registry.proto gives them, so that params that exist are valid. Immutable.
 */
public record OAuthClientParams(TrustDomain trustDomain, String clientId, AuthMethod authMethod, List<GrantType> grantTypes,
        List<String> scopes, List<String> audiences, Optional<String> jwksJson, Optional<SpiffeId> tlsSpiffeId,
        Duration tokenTtl) {

    static final Pattern CLIENT_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    static final Pattern SCOPE_TOKEN = Pattern.compile("[\\x21\\x23-\\x5B\\x5D-\\x7E]{1,128}");
    static final int MAX_SCOPES = 64;
    static final int MAX_AUDIENCES = 16;
    static final int MAX_AUDIENCE_CHARS = 256;
    static final int MAX_JWKS_BYTES = 64 * 1024;
    static final int MAX_KEYS = 16;
    static final Duration DEFAULT_TTL = Duration.ofMinutes(5);
    static final Duration MIN_TTL = Duration.ofMinutes(1);
    static final Duration MAX_TTL = Duration.ofHours(1);

    /** Checks every field. */
    public OAuthClientParams {
        clientId(clientId);
        if (authMethod == null) {
            throw new InvalidArgument("auth_method: unspecified (expected: client_secret_basic, client_secret_post, private_key_jwt "
                    + "or tls_client_auth)");
        }
        grantTypes = List.copyOf(grantTypes);
        if (grantTypes.isEmpty() || grantTypes.size() > GrantType.values().length || new HashSet<>(grantTypes).size() != grantTypes.size()) {
            throw new InvalidArgument("grant_types: " + grantTypes + " (expected: 1 to " + GrantType.values().length
                    + " distinct grant types)");
        }
        scopes = List.copyOf(scopes);
        if (scopes.size() > MAX_SCOPES) {
            throw new InvalidArgument("scopes: " + scopes.size() + " values (expected: at most " + MAX_SCOPES + ")");
        }
        for (int i = 0; i < scopes.size(); i++) {
            if (!SCOPE_TOKEN.matcher(scopes.get(i)).matches()) {
                throw new InvalidArgument("scopes[" + i + "]: '" + shorten(scopes.get(i)) + "' (expected: an RFC 6749 scope-token, "
                        + "1 to 128 printable ASCII characters without space, '\"' or '\\')");
            }
        }
        if (new HashSet<>(scopes).size() != scopes.size()) {
            throw new InvalidArgument("scopes: " + scopes + " has repeats (expected: distinct scopes)");
        }
        audiences = List.copyOf(audiences);
        if (audiences.isEmpty() || audiences.size() > MAX_AUDIENCES) {
            throw new InvalidArgument("audiences: " + audiences.size() + " values (expected: 1 to " + MAX_AUDIENCES + ")");
        }
        for (int i = 0; i < audiences.size(); i++) {
            String a = audiences.get(i);
            if (a.isEmpty() || a.length() > MAX_AUDIENCE_CHARS || !a.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
                throw new InvalidArgument("audiences[" + i + "]: '" + shorten(a) + "' (expected: 1 to " + MAX_AUDIENCE_CHARS
                        + " printable ASCII characters without whitespace)");
            }
        }
        if (new HashSet<>(audiences).size() != audiences.size()) {
            throw new InvalidArgument("audiences: " + audiences + " has repeats (expected: distinct audiences)");
        }
        jwksJson = jwksJson.filter(j -> !j.isEmpty());
        tlsSpiffeId = tlsSpiffeId == null ? Optional.empty() : tlsSpiffeId;
        switch (authMethod) {
            case PRIVATE_KEY_JWT -> {
                if (jwksJson.isEmpty() || tlsSpiffeId.isPresent()) {
                    throw new InvalidArgument("jwks_json: missing (expected: the client's public keys as a JWK Set for private_key_jwt, "
                            + "and no tls_client_auth_spiffe_id)");
                }
                checkJwks(jwksJson.get());
            }
            case TLS_CLIENT_AUTH -> {
                if (tlsSpiffeId.isEmpty() || jwksJson.isPresent()) {
                    throw new InvalidArgument("tls_client_auth_spiffe_id: missing (expected: the SPIFFE ID of the client's "
                            + "X.509-SVID for tls_client_auth, and no jwks_json)");
                }
                if (!tlsSpiffeId.get().memberOf(trustDomain)) {
                    throw new InvalidArgument("tls_client_auth_spiffe_id: " + tlsSpiffeId.get() + " (expected: a SPIFFE ID of "
                            + trustDomain + ", the client's trust domain)");
                }
            }
            default -> {
                if (jwksJson.isPresent() || tlsSpiffeId.isPresent()) {
                    throw new InvalidArgument("credential: set for " + authMethod.wireName() + " (expected: neither jwks_json nor "
                            + "tls_client_auth_spiffe_id; the secret is generated)");
                }
            }
        }
        if (tokenTtl == null) {
            tokenTtl = DEFAULT_TTL;
        }
        if (tokenTtl.compareTo(MIN_TTL) < 0 || tokenTtl.compareTo(MAX_TTL) > 0) {
            throw new InvalidArgument("access_token_ttl: " + tokenTtl + " (expected: between " + MIN_TTL + " and " + MAX_TTL
                    + ", or unset for " + DEFAULT_TTL + ")");
        }
    }

    /** Checks a client id from the wire. */
    public static String clientId(String clientId) {
        if (clientId == null || !CLIENT_ID.matcher(clientId).matches()) {
            throw new InvalidArgument("client_id: '" + shorten(clientId == null ? "" : clientId) + "' (expected: 1 to 128 letters, "
                    + "digits, '.', '_' or '-', starting with a letter or digit)");
        }
        return clientId;
    }

    /** Parses a registered JWK Set: public EC or RSA signing keys only, each with a distinct {@code kid}. */
    static JWKSet checkJwks(String json) {
        if (json.getBytes(StandardCharsets.UTF_8).length > MAX_JWKS_BYTES) {
            throw new InvalidArgument("jwks_json: more than " + MAX_JWKS_BYTES + " bytes (expected: at most 64 KiB)");
        }
        JWKSet set;
        try {
            set = JWKSet.parse(json);
        } catch (ParseException e) {
            throw new InvalidArgument("jwks_json: not a JWK Set (" + shorten(String.valueOf(e.getMessage())) + ")");
        }
        if (set.getKeys().isEmpty() || set.getKeys().size() > MAX_KEYS) {
            throw new InvalidArgument("jwks_json: " + set.getKeys().size() + " keys (expected: 1 to " + MAX_KEYS + ")");
        }
        Set<String> kids = new HashSet<>();
        for (JWK key : set.getKeys()) {
            if (key.isPrivate()) {
                throw new InvalidArgument("jwks_json: key '" + key.getKeyID() + "' holds private parameters (expected: public keys only)");
            }
            if (key.getKeyID() == null || !kids.add(key.getKeyID())) {
                throw new InvalidArgument("jwks_json: a key without a kid or with a repeated kid (expected: each key with its own kid)");
            }
            if (!(key instanceof ECKey) && !(key instanceof RSAKey rsa && rsa.size() >= 2048)) {
                throw new InvalidArgument("jwks_json: key '" + key.getKeyID() + "' is " + key.getKeyType()
                        + " (expected: EC P-256/P-384/P-521 or RSA of 2048 bits or more)");
            }
        }
        return set;
    }

    static String shorten(String s) {
        String cut = s.length() > 80 ? s.substring(0, 80) + "…" : s;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }
}
