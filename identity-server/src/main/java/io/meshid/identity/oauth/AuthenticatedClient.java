package io.meshid.identity.oauth;

import java.util.Optional;

/**
 * A client the bridge authenticated, with how, and the SHA-256 thumbprint (base64url) of its TLS
 * certificate when it used {@code tls_client_auth}: its tokens are bound to that certificate
 * (RFC 8705 {@code cnf.x5t#S256}). Immutable.
 */
public record AuthenticatedClient(OAuthClient client, AuthMethod method, Optional<String> x5tS256) {
}
