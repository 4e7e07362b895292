package io.meshid.identity.grpc;

import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Timestamp;
import com.google.protobuf.Value;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.spiffe.InvalidSpiffeIdException;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.identity.jwt.Jwks;
import io.meshid.identity.jwt.TokenIssuer.IssuedToken;
import io.meshid.identity.tokens.TokenCheck;
import io.meshid.identity.tokens.TokenType;
import io.meshid.proto.identity.v1.GetJwksResponse;
import io.meshid.proto.identity.v1.InvalidTokenReason;
import io.meshid.proto.identity.v1.MintJwtSvidResponse;
import io.meshid.proto.identity.v1.ValidateTokenResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Mapping between the token rpcs' messages and the domain's values. */
final class TokenMessages {

    private TokenMessages() {
    }

    static Optional<Duration> ttl(boolean has, com.google.protobuf.Duration ttl) {
        if (!has) {
            return Optional.empty();
        }
        if (ttl.getNanos() < 0 || ttl.getNanos() > 999_999_999 || ttl.getSeconds() < 0 || ttl.getSeconds() > 315_576_000_000L) {
            throw new MeshidException.InvalidArgument("ttl: not a valid duration (expected: between 1 min and the entry's JWT-SVID TTL)");
        }
        return Optional.of(Duration.ofSeconds(ttl.getSeconds(), ttl.getNanos()));
    }

    static TrustDomain trustDomain(String field, String name) {
        try {
            return TrustDomain.of(name);
        } catch (InvalidSpiffeIdException e) {
            throw new MeshidException.InvalidArgument(field + ": " + e.getMessage());
        }
    }

    static MintJwtSvidResponse minted(IssuedToken t) {
        return MintJwtSvidResponse.newBuilder().setToken(t.token()).setExpiresAt(timestamp(t.expiresAt()))
                .setSpiffeId(t.claims().getSubject()).setKeyId(t.keyId()).build();
    }

    static ValidateTokenResponse validated(TokenCheck check) {
        return switch (check) {
            case TokenCheck.Valid v -> ValidateTokenResponse.newBuilder().setValid(true).setSubject(v.token().subject())
                    .setTokenType(v.token().type() == TokenType.ACCESS_TOKEN ? io.meshid.proto.identity.v1.TokenType.TOKEN_TYPE_ACCESS_TOKEN
                            : io.meshid.proto.identity.v1.TokenType.TOKEN_TYPE_JWT_SVID)
                    .setClaims(struct(v.token().claims().toJSONObject())).setExpiresAt(timestamp(v.token().expiresAt())).build();
            case TokenCheck.Invalid i -> ValidateTokenResponse.newBuilder().setValid(false)
                    .setReason(InvalidTokenReason.valueOf("INVALID_TOKEN_REASON_" + i.reason().name())).setReasonDetail(i.detail())
                    .build();
        };
    }

    /** The domain's types for ValidateToken's {@code expected_types}; empty stays empty (the default, JWT-SVID). */
    static Set<TokenType> expectedTypes(List<Integer> values) {
        if (values.size() > 8) {
            throw new MeshidException.InvalidArgument("expected_types: " + values.size() + " values (expected: at most 2)");
        }
        Set<TokenType> types = EnumSet.noneOf(TokenType.class);
        for (int v : values) {
            types.add(switch (v) {
                case io.meshid.proto.identity.v1.TokenType.TOKEN_TYPE_JWT_SVID_VALUE -> TokenType.JWT_SVID;
                case io.meshid.proto.identity.v1.TokenType.TOKEN_TYPE_ACCESS_TOKEN_VALUE -> TokenType.ACCESS_TOKEN;
                default -> throw new MeshidException.InvalidArgument("expected_types: " + v + " (expected: TOKEN_TYPE_JWT_SVID (1) "
                        + "or TOKEN_TYPE_ACCESS_TOKEN (2); none for JWT-SVID only)");
            });
        }
        return types;
    }

    static GetJwksResponse jwks(Jwks jwks) {
        return GetJwksResponse.newBuilder().setJwksJson(jwks.json()).addAllKeyIds(jwks.keyIds()).setActiveKeyId(jwks.activeKeyId())
                .setRefreshHint(com.google.protobuf.Duration.newBuilder().setSeconds(jwks.refreshHint().toSeconds())).build();
    }

    static Timestamp timestamp(Instant t) {
        return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
    }

    private static Struct struct(Map<String, Object> map) {
        Struct.Builder b = Struct.newBuilder();
        map.forEach((k, v) -> b.putFields(k, value(v)));
        return b.build();
    }

    @SuppressWarnings("unchecked")
    private static Value value(Object o) {
        return switch (o) {
            case null -> Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build();
            case String s -> Value.newBuilder().setStringValue(s).build();
            case Boolean bool -> Value.newBuilder().setBoolValue(bool).build();
            case Number n -> Value.newBuilder().setNumberValue(n.doubleValue()).build();
            case Map<?, ?> m -> Value.newBuilder().setStructValue(struct((Map<String, Object>) m)).build();
            case List<?> l -> {
                ListValue.Builder list = ListValue.newBuilder();
                l.forEach(e -> list.addValues(value(e)));
                yield Value.newBuilder().setListValue(list).build();
            }
            default -> Value.newBuilder().setStringValue(o.toString()).build();
        };
    }
}
