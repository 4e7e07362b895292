package io.meshid.identity.oauth;

import io.meshid.common.audit.AuditEvent;
import io.meshid.common.audit.AuditLog;
import io.meshid.common.server.RequestIds;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.tls.PeerCheck;
import io.meshid.common.tls.VerifiedPeer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Authenticates the client of a bridge request by the one method it used (RFC 6749 section 2.3:
 * more than one is {@code invalid_request}), which must be the client's registered method:
 * {@code client_secret_basic}, {@code client_secret_post} (constant-time hash compare, current
 * or overlapping previous secret), {@code private_key_jwt} ({@link ClientAssertions}) or
 * {@code tls_client_auth} (the TLS client certificate, verified by the TLS layer against the
 * trust bundle and by the server's caller checks such as revocation, carries the registered
 * SPIFFE ID). Failures are {@code invalid_client}, counted by {@link Lockout} and audited with the
 * client id, the method and the source, never the secret or the assertion. Thread-safe.
 */
public final class ClientAuthenticator {

    private static final String ACTION = "identity.oauth.client_auth";

    private final OAuthClients clients;
    private final ClientAssertions assertions;
    private final Lockout lockout;
    private final List<PeerCheck> peerChecks;
    private final AuditLog audit;
    private final Clock clock;

    ClientAuthenticator(OAuthClients clients, ClientAssertions assertions, Lockout lockout, List<PeerCheck> peerChecks, AuditLog audit,
            Clock clock) {
        this.clients = clients;
        this.assertions = assertions;
        this.lockout = lockout;
        this.peerChecks = List.copyOf(peerChecks);
        this.audit = audit;
        this.clock = clock;
    }

    /**
     * The client of {@code domain} that {@code c} authenticates; {@code audiences} name this server
     * for client assertions (asked only when one is verified).
     *
     * @throws OAuthError {@code invalid_request} for an ambiguous request, {@code invalid_client} otherwise
     */
    public AuthenticatedClient authenticate(TrustDomain domain, ClientCredentials c, Supplier<Set<String>> audiences) {
        AuthMethod used = method(c);
        String clientId = clientId(c, used);
        Optional<String> locked = lockout.locked(domain, clientId, c.source());
        if (locked.isPresent()) {
            record(domain, clientId, used, c.source(), AuditEvent.Outcome.DENIED, "locked out: " + locked.get());
            throw OAuthError.invalidClient("client " + clientId + ": " + locked.get());
        }
        try {
            OAuthClient client = clients.find(domain, clientId)
                    .orElseThrow(() -> OAuthError.invalidClient("client authentication failed (unknown client, wrong credentials or "
                            + "wrong method)"));
            if (client.authMethod() != used) {
                throw OAuthError.invalidClient("client " + clientId + " authenticates with " + client.authMethod().wireName()
                        + ", not " + used.wireName());
            }
            Optional<String> thumbprint = Optional.empty();
            switch (used) {
                case CLIENT_SECRET_BASIC, CLIENT_SECRET_POST -> {
                    String secret = used == AuthMethod.CLIENT_SECRET_BASIC ? c.basicSecret().orElse("") : c.formSecret().orElse("");
                    if (!clients.secretMatches(client, secret)) {
                        throw OAuthError.invalidClient("client authentication failed (unknown client, wrong credentials or wrong method)");
                    }
                }
                case PRIVATE_KEY_JWT -> assertions.verify(client, c.assertion().orElseThrow(), audiences.get());
                case TLS_CLIENT_AUTH -> thumbprint = Optional.of(tls(client, c.certificate().orElseThrow()));
            }
            lockout.succeeded(domain, clientId, c.source());
            return new AuthenticatedClient(client, used, thumbprint);
        } catch (OAuthError e) {
            lockout.failed(domain, clientId, c.source());
            record(domain, clientId, used, c.source(), AuditEvent.Outcome.DENIED, e.getMessage());
            throw e;
        }
    }

    private static AuthMethod method(ClientCredentials c) {
        List<AuthMethod> used = new ArrayList<>();
        if (c.basicId().isPresent()) {
            used.add(AuthMethod.CLIENT_SECRET_BASIC);
        }
        if (c.formSecret().isPresent()) {
            used.add(AuthMethod.CLIENT_SECRET_POST);
        }
        if (c.assertion().isPresent() || c.assertionType().isPresent()) {
            if (!c.assertionType().filter(ClientAssertions.TYPE::equals).isPresent() || c.assertion().isEmpty()) {
                throw OAuthError.invalidRequest("client_assertion_type: expected " + ClientAssertions.TYPE
                        + " together with a client_assertion");
            }
            used.add(AuthMethod.PRIVATE_KEY_JWT);
        }
        if (used.size() > 1) {
            throw OAuthError.invalidRequest("client authentication: " + used.stream().map(AuthMethod::wireName).toList()
                    + " at once (expected: exactly one method, RFC 6749 section 2.3)");
        }
        if (used.isEmpty() && c.certificate().isPresent() && c.formId().isPresent()) {
            return AuthMethod.TLS_CLIENT_AUTH;
        }
        if (used.isEmpty()) {
            throw OAuthError.invalidClient("no client authentication (expected: client_secret_basic, client_secret_post, "
                    + "private_key_jwt, or tls_client_auth with client_id)");
        }
        return used.get(0);
    }

    private static String clientId(ClientCredentials c, AuthMethod used) {
        String id = switch (used) {
            case CLIENT_SECRET_BASIC -> c.basicId().orElseThrow();
            case PRIVATE_KEY_JWT -> c.formId().orElseGet(() -> unverifiedSubject(c.assertion().orElseThrow()));
            default -> c.formId().orElseThrow(() -> OAuthError.invalidClient("client_id: missing"));
        };
        if (c.basicId().isPresent() && c.formId().isPresent() && !c.basicId().equals(c.formId())) {
            throw OAuthError.invalidRequest("client_id: the form and the Authorization header name different clients");
        }
        if (!OAuthClientParams.CLIENT_ID.matcher(id).matches()) {
            throw OAuthError.invalidClient("client_id: malformed (expected: 1 to 128 letters, digits, '.', '_' or '-')");
        }
        return id;
    }

    /** The assertion's {@code sub}, read before verification only to find the client; verification checks it again. */
    private static String unverifiedSubject(String assertion) {
        try {
            String sub = com.nimbusds.jwt.SignedJWT.parse(assertion).getJWTClaimsSet().getSubject();
            return sub == null ? "" : sub;
        } catch (java.text.ParseException e) {
            throw OAuthError.invalidClient("client_assertion: not a signed JWT (expected: a JWS in compact serialization)");
        }
    }

    private String tls(OAuthClient client, X509Certificate leaf) {
        SpiffeId expected = client.tlsSpiffeId().orElseThrow();
        Optional<SpiffeId> presented = uriSan(leaf);
        if (presented.isEmpty() || !presented.get().equals(expected)) {
            throw OAuthError.invalidClient("tls_client_auth: the certificate names " + presented.map(SpiffeId::toString).orElse("no SPIFFE ID")
                    + " (expected: " + expected + ")");
        }
        Instant now = clock.instant();
        if (now.isAfter(leaf.getNotAfter().toInstant()) || now.isBefore(leaf.getNotBefore().toInstant())) {
            throw OAuthError.invalidClient("tls_client_auth: the certificate is not valid now");
        }
        VerifiedPeer peer = new VerifiedPeer(expected, List.of(leaf), leaf.getNotAfter().toInstant());
        for (PeerCheck check : peerChecks) {
            Optional<String> refusal = check.refusal(peer);
            if (refusal.isPresent()) {
                throw OAuthError.invalidClient("tls_client_auth: " + refusal.get());
            }
        }
        return thumbprint(leaf);
    }

    /** The SPIFFE ID in the certificate's one URI SAN, if it has exactly one that parses. */
    static Optional<SpiffeId> uriSan(X509Certificate cert) {
        try {
            var names = cert.getSubjectAlternativeNames();
            if (names == null) {
                return Optional.empty();
            }
            List<String> uris = names.stream().filter(n -> Integer.valueOf(6).equals(n.get(0))).map(n -> (String) n.get(1)).toList();
            return uris.size() == 1 ? Optional.of(SpiffeId.parse(uris.get(0))) : Optional.empty();
        } catch (CertificateParsingException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** RFC 8705 section 3.1: base64url SHA-256 of the DER certificate. */
    public static String thumbprint(X509Certificate cert) {
        try {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException("cannot hash a certificate", e);
        }
    }

    private void record(TrustDomain domain, String clientId, AuthMethod method, String source, AuditEvent.Outcome outcome, String why) {
        audit.recordIfRoom(AuditEvent.of(clock.instant(), domain.name(), "oauth-client:" + clientId, ACTION, clientId, outcome,
                method.wireName() + " from " + source + ": " + why, RequestIds.current()));
    }

}
