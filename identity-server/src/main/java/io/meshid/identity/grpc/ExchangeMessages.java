package io.meshid.identity.grpc;

import io.meshid.identity.exchange.TokenExchange;
import io.meshid.proto.identity.v1.ExchangeTokenResponse;

/** Maps ExchangeToken's domain result to its reply (RFC 8693 section 2.2.1). */
final class ExchangeMessages {

    private ExchangeMessages() {
    }

    /** {@code expires_in} counts from issuance to {@code exp}, both in the token's whole seconds. */
    static ExchangeTokenResponse exchanged(TokenExchange.Result r) {
        long expiresIn = r.expiresAt().getEpochSecond() - r.issuedAt().getEpochSecond();
        return ExchangeTokenResponse.newBuilder()
                .setAccessToken(r.token())
                .setIssuedTokenType(r.type().uri())
                .setTokenType("Bearer")
                .setExpiresIn(com.google.protobuf.Duration.newBuilder().setSeconds(expiresIn))
                .setExpiresAt(TokenMessages.timestamp(r.expiresAt()))
                .addAllScope(r.scopes())
                .build();
    }
}
