package io.meshid.cli.registry;

import io.meshid.cli.CliException;
import io.meshid.cli.Converters;
import io.meshid.cli.Output;
import io.meshid.cli.ServerCommand;
import io.meshid.cli.ServerKind;
import io.meshid.cli.Session;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.proto.identity.v1.CreateOAuthClientRequest;
import io.meshid.proto.identity.v1.CreateOAuthClientResponse;
import io.meshid.proto.identity.v1.DeleteOAuthClientRequest;
import io.meshid.proto.identity.v1.GetOAuthClientRequest;
import io.meshid.proto.identity.v1.ListOAuthClientsRequest;
import io.meshid.proto.identity.v1.ListOAuthClientsResponse;
import io.meshid.proto.identity.v1.OAuthClient;
import io.meshid.proto.identity.v1.OAuthClientAuthMethod;
import io.meshid.proto.identity.v1.OAuthGrantType;
import io.meshid.proto.identity.v1.RegistryServiceGrpc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code meshctl oauth-client create|list|show|delete}: RegistryService's OAuth clients of the REST
 * bridge (docs/oauth.md), in the caller's trust domain. A client's secret is printed once, by create.
 */
@Command(name = "oauth-client", description = "OAuth 2.0 clients of identity-server's REST bridge (docs/oauth.md).",
        subcommands = {OAuthClientCommand.Create.class, OAuthClientCommand.ListCommand.class, OAuthClientCommand.Show.class,
            OAuthClientCommand.Delete.class})
public final class OAuthClientCommand {

    private static final int MAX_LISTED = 100_000;

    /** The auth methods by their RFC 7591 names. */
    static final class AuthMethodConverter implements CommandLine.ITypeConverter<OAuthClientAuthMethod> {
        @Override
        public OAuthClientAuthMethod convert(String value) {
            return switch (value.toLowerCase(Locale.ROOT)) {
                case "client_secret_basic" -> OAuthClientAuthMethod.OAUTH_CLIENT_AUTH_METHOD_CLIENT_SECRET_BASIC;
                case "client_secret_post" -> OAuthClientAuthMethod.OAUTH_CLIENT_AUTH_METHOD_CLIENT_SECRET_POST;
                case "private_key_jwt" -> OAuthClientAuthMethod.OAUTH_CLIENT_AUTH_METHOD_PRIVATE_KEY_JWT;
                case "tls_client_auth" -> OAuthClientAuthMethod.OAUTH_CLIENT_AUTH_METHOD_TLS_CLIENT_AUTH;
                default -> throw new CommandLine.TypeConversionException("'" + value + "' is not an auth method (expected: "
                        + "client_secret_basic, client_secret_post, private_key_jwt or tls_client_auth)");
            };
        }
    }

    /** The grant types by their short names (the token endpoint's grant_type for client_credentials). */
    static final class GrantConverter implements CommandLine.ITypeConverter<OAuthGrantType> {
        @Override
        public OAuthGrantType convert(String value) {
            return switch (value.toLowerCase(Locale.ROOT)) {
                case "client_credentials" -> OAuthGrantType.OAUTH_GRANT_TYPE_CLIENT_CREDENTIALS;
                case "token_exchange", "urn:ietf:params:oauth:grant-type:token-exchange" -> OAuthGrantType.OAUTH_GRANT_TYPE_TOKEN_EXCHANGE;
                case "jwt_bearer", "urn:ietf:params:oauth:grant-type:jwt-bearer" -> OAuthGrantType.OAUTH_GRANT_TYPE_JWT_BEARER;
                default -> throw new CommandLine.TypeConversionException("'" + value + "' is not a grant type (expected: "
                        + "client_credentials, token_exchange or jwt_bearer)");
            };
        }
    }

    /** {@code oauth-client create CLIENT_ID}. */
    @Command(name = "create", description = "Register an OAuth client; a client_secret_* client's secret is shown only once.")
    static final class Create extends ServerCommand {
        @Parameters(index = "0", paramLabel = "CLIENT_ID", description = "The client_id: letters, digits, '.', '_' and '-'.")
        String clientId;

        @Option(names = "--auth-method", required = true, paramLabel = "METHOD", converter = AuthMethodConverter.class,
                description = "client_secret_basic, client_secret_post, private_key_jwt (with --jwks) or tls_client_auth "
                        + "(with --tls-spiffe-id).")
        OAuthClientAuthMethod authMethod;

        @Option(names = "--grant", required = true, paramLabel = "GRANT", converter = GrantConverter.class,
                description = "A grant type it may use (repeatable): client_credentials, token_exchange, jwt_bearer.")
        List<OAuthGrantType> grants = new ArrayList<>();

        @Option(names = "--audience", required = true, paramLabel = "AUD",
                description = "An audience it may get tokens for (repeatable); the first is the default.")
        List<String> audiences = new ArrayList<>();

        @Option(names = "--scope", paramLabel = "SCOPE", description = "A scope it may request (repeatable).")
        List<String> scopes = new ArrayList<>();

        @Option(names = "--jwks", paramLabel = "FILE", description = "For private_key_jwt: the client's public keys, a JWK Set in JSON.")
        Path jwks;

        @Option(names = "--tls-spiffe-id", paramLabel = "ID", converter = Converters.SpiffeIdConverter.class,
                description = "For tls_client_auth: the SPIFFE ID its client certificate must carry.")
        SpiffeId tlsSpiffeId;

        @Option(names = "--token-ttl", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
                description = "Lifetime of its access tokens (1m to 1h; default 5m).")
        Duration tokenTtl;

        @Override
        protected int run(Session session, Output out) {
            CreateOAuthClientRequest.Builder request = CreateOAuthClientRequest.newBuilder()
                    .setTrustDomain(session.trustDomain().name()).setClientId(clientId).setAuthMethod(authMethod)
                    .addAllGrantTypes(new LinkedHashSet<>(grants)).addAllAudiences(audiences).addAllScopes(scopes);
            boolean jwt = authMethod == OAuthClientAuthMethod.OAUTH_CLIENT_AUTH_METHOD_PRIVATE_KEY_JWT;
            boolean tls = authMethod == OAuthClientAuthMethod.OAUTH_CLIENT_AUTH_METHOD_TLS_CLIENT_AUTH;
            if (jwt != (jwks != null)) {
                throw CliException.usage(jwt ? "--auth-method private_key_jwt without --jwks (expected: --jwks FILE, the client's "
                        + "public keys as a JWK Set)" : "--jwks with --auth-method " + name(authMethod)
                        + " (expected: --jwks only with private_key_jwt)");
            }
            if (tls != (tlsSpiffeId != null)) {
                throw CliException.usage(tls ? "--auth-method tls_client_auth without --tls-spiffe-id (expected: the SPIFFE ID "
                        + "the client's certificate carries)" : "--tls-spiffe-id with --auth-method " + name(authMethod)
                        + " (expected: --tls-spiffe-id only with tls_client_auth)");
            }
            if (jwt) {
                request.setJwksJson(readJwks(cli.resolve(jwks)));
            }
            if (tls) {
                request.setTlsClientAuthSpiffeId(tlsSpiffeId.toString());
            }
            if (tokenTtl != null) {
                request.setAccessTokenTtl(EntryCommand.protoDuration(tokenTtl));
            }
            CreateOAuthClientResponse reply = session.call(ServerKind.IDENTITY,
                    () -> session.stub(ServerKind.IDENTITY, RegistryServiceGrpc::newBlockingStub).createOAuthClient(request.build()));
            if (out.json()) {
                out.json(reply);
            } else {
                List<String[]> fields = new ArrayList<>(fields(reply.getClient()));
                if (!reply.getClientSecret().isEmpty()) {
                    fields.add(new String[] {"client_secret", reply.getClientSecret() + "   (shown only now)"});
                }
                out.fields(fields);
            }
            return 0;
        }

        private static String readJwks(Path file) {
            try {
                if (Files.size(file) > 64 * 1024) {
                    throw CliException.usage("--jwks " + file + ": larger than 64 KiB (expected: a JWK Set of public keys)");
                }
                String text = Files.readString(file);
                if (!text.strip().startsWith("{") || !text.contains("\"keys\"")) {
                    throw CliException.usage("--jwks " + file + ": not a JWK Set (expected: JSON such as {\"keys\": [{\"kty\": "
                            + "\"EC\", \"kid\": ...}]})");
                }
                return text;
            } catch (IOException e) {
                throw CliException.usage("--jwks " + file + ": cannot read it (" + e.getMessage() + "; expected: a readable JWK Set "
                        + "file)", e);
            }
        }
    }

    /** {@code oauth-client list}. */
    @Command(name = "list", description = "List the OAuth clients of the trust domain (never their secrets).")
    static final class ListCommand extends ServerCommand {
        @Override
        protected int run(Session session, Output out) {
            List<OAuthClient> all = new ArrayList<>();
            String token = "";
            do {
                String page = token;
                ListOAuthClientsResponse reply = session.call(ServerKind.IDENTITY,
                        () -> session.stub(ServerKind.IDENTITY, RegistryServiceGrpc::newBlockingStub).listOAuthClients(
                                ListOAuthClientsRequest.newBuilder().setTrustDomain(session.trustDomain().name()).setPageSize(1000)
                                        .setPageToken(page).build()));
                all.addAll(reply.getClientsList());
                token = reply.getNextPageToken();
            } while (!token.isEmpty() && all.size() < MAX_LISTED);
            if (out.json()) {
                out.json(ListOAuthClientsResponse.newBuilder().addAllClients(all));
                return 0;
            }
            Output.Table table = out.table("CLIENT_ID", "AUTH_METHOD", "GRANTS", "AUDIENCES", "SCOPES", "TOKEN_TTL", "CREATED");
            for (OAuthClient c : all) {
                table.row(c.getClientId(), name(c.getAuthMethod()), grants(c), String.join(",", c.getAudiencesList()),
                        String.join(",", c.getScopesList()), Output.duration(c.getAccessTokenTtl()), Output.time(c.getCreatedAt()));
            }
            table.print();
            return 0;
        }
    }

    /** {@code oauth-client show CLIENT_ID}. */
    @Command(name = "show", description = "Show one OAuth client (never its secret).")
    static final class Show extends ServerCommand {
        @Parameters(index = "0", paramLabel = "CLIENT_ID", description = "The client_id.")
        String clientId;

        @Override
        protected int run(Session session, Output out) {
            OAuthClient client = session.call(ServerKind.IDENTITY, () -> session.stub(ServerKind.IDENTITY,
                    RegistryServiceGrpc::newBlockingStub).getOAuthClient(GetOAuthClientRequest.newBuilder()
                            .setTrustDomain(session.trustDomain().name()).setClientId(clientId).build())).getClient();
            if (out.json()) {
                out.json(client);
            } else {
                out.fields(fields(client));
            }
            return 0;
        }
    }

    /** {@code oauth-client delete CLIENT_ID}. */
    @Command(name = "delete", description = "Delete an OAuth client: it gets no new tokens (those it holds stay valid until "
            + "they expire or are revoked).")
    static final class Delete extends ServerCommand {
        @Parameters(index = "0", paramLabel = "CLIENT_ID", description = "The client_id.")
        String clientId;

        @Override
        protected int run(Session session, Output out) {
            session.call(ServerKind.IDENTITY, () -> session.stub(ServerKind.IDENTITY, RegistryServiceGrpc::newBlockingStub)
                    .deleteOAuthClient(DeleteOAuthClientRequest.newBuilder().setTrustDomain(session.trustDomain().name())
                            .setClientId(clientId).build()));
            if (out.json()) {
                out.json("client_id", clientId, "deleted", true);
            } else {
                out.line("deleted OAuth client " + clientId);
            }
            return 0;
        }
    }

    static List<String[]> fields(OAuthClient c) {
        List<String[]> fields = new ArrayList<>();
        fields.add(new String[] {"client_id", c.getClientId()});
        fields.add(new String[] {"trust_domain", c.getTrustDomain()});
        fields.add(new String[] {"auth_method", name(c.getAuthMethod())});
        fields.add(new String[] {"grant_types", grants(c)});
        fields.add(new String[] {"audiences", String.join(", ", c.getAudiencesList())});
        fields.add(new String[] {"scopes", c.getScopesCount() == 0 ? "-" : String.join(" ", c.getScopesList())});
        if (c.hasTlsClientAuthSpiffeId()) {
            fields.add(new String[] {"tls_client_auth_spiffe_id", c.getTlsClientAuthSpiffeId()});
        }
        if (c.hasJwksJson()) {
            fields.add(new String[] {"jwks", c.getJwksJson().length() + " characters of JWK Set"});
        }
        fields.add(new String[] {"access_token_ttl", Output.duration(c.getAccessTokenTtl())});
        fields.add(new String[] {"created_at", Output.time(c.getCreatedAt())});
        fields.add(new String[] {"created_by", c.getCreatedBy()});
        return fields;
    }

    static String name(OAuthClientAuthMethod method) {
        return method.name().replace("OAUTH_CLIENT_AUTH_METHOD_", "").toLowerCase(Locale.ROOT);
    }

    private static String grants(OAuthClient c) {
        return c.getGrantTypesList().stream().map(g -> g.name().replace("OAUTH_GRANT_TYPE_", "").toLowerCase(Locale.ROOT))
                .collect(Collectors.joining(","));
    }
}
