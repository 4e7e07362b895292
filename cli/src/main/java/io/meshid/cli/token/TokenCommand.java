package io.meshid.cli.token;

import io.meshid.cli.CliException;
import io.meshid.cli.Converters;
import io.meshid.cli.Output;
import io.meshid.cli.ServerCommand;
import io.meshid.cli.ServerKind;
import io.meshid.cli.Session;
import io.meshid.proto.identity.v1.ExchangeTokenRequest;
import io.meshid.proto.identity.v1.ExchangeTokenResponse;
import io.meshid.proto.identity.v1.IdentityServiceGrpc;
import io.meshid.proto.identity.v1.MintJwtSvidRequest;
import io.meshid.proto.identity.v1.MintJwtSvidResponse;
import io.meshid.proto.identity.v1.RevokeTokenRequest;
import io.meshid.proto.identity.v1.RevokeTokenResponse;
import io.meshid.proto.identity.v1.TokenType;
import io.meshid.proto.identity.v1.ValidateTokenRequest;
import io.meshid.proto.identity.v1.ValidateTokenResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code meshctl token mint|validate|exchange|revoke}: IdentityService's token rpcs, as the caller's SVID. */
@Command(name = "token", description = "JWT-SVIDs and access tokens (identity-server).",
        subcommands = {TokenCommand.Mint.class, TokenCommand.Validate.class, TokenCommand.Exchange.class, TokenCommand.Revoke.class})
public final class TokenCommand {

    static final String JWT = "urn:ietf:params:oauth:token-type:jwt";
    static final String ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token";

    /** {@code token mint}: a JWT-SVID for the caller's own SPIFFE ID. */
    @Command(name = "mint", description = "Mint a JWT-SVID for your SVID's SPIFFE ID; prints the token (--json: with its expiry).")
    static final class Mint extends ServerCommand {
        @Option(names = "--audience", required = true, paramLabel = "AUD", description = "An audience (repeatable).")
        List<String> audience = new ArrayList<>();

        @Option(names = "--ttl", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
                description = "Lifetime, within the entry's JWT-SVID TTL.")
        Duration ttl;

        @Override
        protected int run(Session session, Output out) {
            MintJwtSvidRequest.Builder request = MintJwtSvidRequest.newBuilder().addAllAudience(audience);
            if (ttl != null) {
                request.setTtl(com.google.protobuf.Duration.newBuilder().setSeconds(ttl.getSeconds()));
            }
            MintJwtSvidResponse reply = session.call(ServerKind.IDENTITY,
                    () -> session.stub(ServerKind.IDENTITY, IdentityServiceGrpc::newBlockingStub).mintJwtSvid(request.build()));
            if (out.json()) {
                out.json(reply);
            } else {
                out.line(reply.getToken());
            }
            return 0;
        }
    }

    /** {@code token validate TOKEN}: exit code 1 when the token is not valid. */
    @Command(name = "validate", description = "Validate a JWT-SVID or access token; exit code 1 when it is not valid.")
    static final class Validate extends ServerCommand {
        @Parameters(index = "0", paramLabel = "TOKEN", description = "The token (JWS compact serialization).")
        String token;

        @Option(names = "--audience", required = true, paramLabel = "AUD", description = "The audience it must be for (you).")
        String audience;

        @Option(names = "--type", paramLabel = "jwt-svid|access-token", description = "Accept only this kind (repeatable).")
        List<String> types = new ArrayList<>();

        @Override
        protected int run(Session session, Output out) {
            if (token.isBlank() || audience.isBlank()) {
                throw CliException.usage((token.isBlank() ? "TOKEN" : "--audience") + " is empty (expected: "
                        + (token.isBlank() ? "a JWT in compact serialization, header.payload.signature)" : "the audience the token must be for)"));
            }
            ValidateTokenRequest.Builder request = ValidateTokenRequest.newBuilder().setToken(token).setAudience(audience);
            for (String t : types) {
                request.addExpectedTypes(switch (t) {
                    case "jwt-svid" -> TokenType.TOKEN_TYPE_JWT_SVID;
                    case "access-token" -> TokenType.TOKEN_TYPE_ACCESS_TOKEN;
                    default -> throw CliException.usage("--type '" + t + "' (expected: jwt-svid or access-token)");
                });
            }
            ValidateTokenResponse reply = session.call(ServerKind.IDENTITY,
                    () -> session.stub(ServerKind.IDENTITY, IdentityServiceGrpc::newBlockingStub).validateToken(request.build()));
            if (out.json()) {
                out.json(reply);
            } else if (reply.getValid()) {
                out.fields(List.of(new String[] {"valid", "true"}, new String[] {"subject", reply.getSubject()},
                        new String[] {"type", reply.getTokenType().name()}, new String[] {"expires_at", Output.time(reply.getExpiresAt())}));
            }
            if (!reply.getValid()) {
                throw CliException.failed("token not valid: " + reply.getReason().name() + " (" + reply.getReasonDetail() + ")");
            }
            return 0;
        }
    }

    /** {@code token exchange}: RFC 8693 token exchange. */
    @Command(name = "exchange", description = "Exchange a token for another (RFC 8693); prints the new token.")
    static final class Exchange extends ServerCommand {
        @Option(names = "--subject-token", required = true, paramLabel = "TOKEN", description = "The token to exchange.")
        String subjectToken;

        @Option(names = "--subject-token-type", paramLabel = "jwt|access_token", defaultValue = "jwt",
                description = "Its type (default: ${DEFAULT-VALUE}, a JWT-SVID).")
        String subjectTokenType;

        @Option(names = "--actor-token", paramLabel = "TOKEN", description = "The token of the party acting for the subject.")
        String actorToken = "";

        @Option(names = "--actor-token-type", paramLabel = "jwt|access_token", defaultValue = "jwt",
                description = "Its type (default: ${DEFAULT-VALUE}).")
        String actorTokenType;

        @Option(names = "--audience", paramLabel = "AUD", description = "Audience of the new token (repeatable).")
        List<String> audience = new ArrayList<>();

        @Option(names = "--resource", paramLabel = "URI", description = "Target service URI (repeatable).")
        List<String> resource = new ArrayList<>();

        @Option(names = "--scope", paramLabel = "SCOPE", description = "A scope (repeatable).")
        List<String> scope = new ArrayList<>();

        @Option(names = "--requested-token-type", paramLabel = "access_token|jwt", defaultValue = "access_token",
                description = "What to get (default: ${DEFAULT-VALUE}).")
        String requested;

        @Override
        protected int run(Session session, Output out) {
            ExchangeTokenRequest.Builder request = ExchangeTokenRequest.newBuilder().setSubjectToken(subjectToken)
                    .setSubjectTokenType(uri("--subject-token-type", subjectTokenType)).addAllAudience(audience)
                    .addAllResource(resource).addAllScope(scope).setRequestedTokenType(uri("--requested-token-type", requested));
            if (!actorToken.isEmpty()) {
                request.setActorToken(actorToken).setActorTokenType(uri("--actor-token-type", actorTokenType));
            }
            ExchangeTokenResponse reply = session.call(ServerKind.IDENTITY,
                    () -> session.stub(ServerKind.IDENTITY, IdentityServiceGrpc::newBlockingStub).exchangeToken(request.build()));
            if (out.json()) {
                out.json(reply);
            } else {
                out.line(reply.getAccessToken());
            }
            return 0;
        }

        private static String uri(String flag, String value) {
            return switch (value) {
                case "jwt", JWT -> JWT;
                case "access_token", ACCESS_TOKEN -> ACCESS_TOKEN;
                default -> throw CliException.usage(flag + " '" + value + "' (expected: jwt or access_token)");
            };
        }
    }

    /** What {@code token revoke} revokes: exactly one. */
    static final class Target {
        @Parameters(index = "0", paramLabel = "TOKEN", description = "The token to revoke.")
        String token;

        @Option(names = "--jti", required = true, paramLabel = "JTI", description = "Revoke by the token's jti claim instead.")
        String jti;
    }

    /** {@code token revoke}. */
    @Command(name = "revoke", description = "Revoke a token (yours, or any of the trust domain's as an admin).")
    static final class Revoke extends ServerCommand {
        @ArgGroup(exclusive = true, multiplicity = "1")
        Target target;

        @Option(names = "--reason", paramLabel = "TEXT", description = "Why, for the audit trail.")
        String reason = "";

        @Override
        protected int run(Session session, Output out) {
            RevokeTokenRequest.Builder request = RevokeTokenRequest.newBuilder().setReason(reason);
            if (target.jti != null) {
                request.setJti(target.jti).setTrustDomain(session.trustDomain().name());
            } else {
                request.setToken(target.token);
            }
            RevokeTokenResponse reply = session.call(ServerKind.IDENTITY,
                    () -> session.stub(ServerKind.IDENTITY, IdentityServiceGrpc::newBlockingStub).revokeToken(request.build()));
            if (out.json()) {
                out.json(reply);
            } else {
                out.line("revoked until " + Output.time(reply.getRevokedUntil()));
            }
            return 0;
        }
    }
}
