package io.meshid.identity.oauth;

import io.meshid.common.audit.AuditLog;
import io.meshid.common.store.SharedStore;
import io.meshid.common.tls.PeerCheck;
import io.meshid.identity.exchange.TokenExchange;
import io.meshid.identity.jwt.TokenIssuer;
import io.meshid.identity.tokens.TokenRevocation;
import io.meshid.identity.tokens.TokenVerifier;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.List;

/** Wires the bridge's domain services. */
@Factory
final class BridgeBeans {

    @Singleton
    Lockout lockout(SharedStore store, OAuthConfig config) {
        return new Lockout(store, config);
    }

    @Singleton
    ClientAuthenticator clientAuthenticator(OAuthClients clients, SharedStore store, Lockout lockout, List<PeerCheck> peerChecks,
            AuditLog audit, Clock clock) {
        return new ClientAuthenticator(clients, new ClientAssertions(store, clock), lockout, peerChecks, audit, clock);
    }

    @Singleton
    OAuthTokens oauthTokens(TokenIssuer issuer, TokenExchange exchange, TokenVerifier verifier, TokenRevocation revocation,
            AuditLog audit, Clock clock) {
        return new OAuthTokens(issuer, exchange, verifier, revocation, audit, clock);
    }
}
