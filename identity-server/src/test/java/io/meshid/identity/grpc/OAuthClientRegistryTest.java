package io.meshid.identity.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Duration;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.meshid.common.errors.ErrorMappingInterceptor;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.testing.TestDatabase;
import io.meshid.common.tls.TestCallers;
import io.meshid.identity.jwt.JwtTestContexts;
import io.meshid.identity.oauth.OAuthClients;
import io.meshid.proto.identity.v1.CreateOAuthClientRequest;
import io.meshid.proto.identity.v1.DeleteOAuthClientRequest;
import io.meshid.proto.identity.v1.GetOAuthClientRequest;
import io.meshid.proto.identity.v1.ListOAuthClientsRequest;
import io.meshid.proto.identity.v1.OAuthClientAuthMethod;
import io.meshid.proto.identity.v1.OAuthGrantType;
import io.meshid.proto.identity.v1.RegistryServiceGrpc;
import io.meshid.proto.identity.v1.RegistryServiceGrpc.RegistryServiceBlockingStub;
import io.meshid.proto.identity.v1.RotateOAuthClientSecretRequest;
import io.meshid.proto.identity.v1.UpdateOAuthClientRequest;
import io.micronaut.context.ApplicationContext;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The OAuth client rpcs of RegistryService over the in-process transport with the real registry
 * on H2: the whole life of a client, secrets shown once and stored only as a hash, rotation with
 * and without overlap, bounds, and tenant scoping.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OAuthClientRegistryTest {

    private ApplicationContext context;
    private final List<Server> servers = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();

    @BeforeAll
    void start() {
        Map<String, Object> p = new HashMap<>(TestDatabase.h2().properties("common", "identity-server"));
        p.put("meshid.trust-domain", "oauthreg.test");
        p.put("meshid.identity.key-encryption-key", JwtTestContexts.TEST_KEK);
        context = ApplicationContext.run(p);
    }

    @AfterAll
    void stop() {
        channels.forEach(ManagedChannel::shutdownNow);
        servers.forEach(Server::shutdownNow);
        context.close();
    }

    private RegistryServiceBlockingStub as(String caller) throws Exception {
        String name = InProcessServerBuilder.generateName();
        servers.add(InProcessServerBuilder.forName(name).directExecutor()
                .addService(ServerInterceptors.intercept(context.getBean(RegistryServiceEndpoint.class), new ErrorMappingInterceptor(),
                        context.getBean(io.meshid.common.authz.AuthorizationInterceptor.class), TestCallers.as(SpiffeId.parse(caller))))
                .build().start());
        ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        channels.add(channel);
        return RegistryServiceGrpc.newBlockingStub(channel);
    }

    private static CreateOAuthClientRequest.Builder client(String id) {
        return CreateOAuthClientRequest.newBuilder().setTrustDomain("oauthreg.test").setClientId(id)
                .setAuthMethod(OAuthClientAuthMethod.OAUTH_CLIENT_AUTH_METHOD_CLIENT_SECRET_BASIC)
                .addGrantTypes(OAuthGrantType.OAUTH_GRANT_TYPE_CLIENT_CREDENTIALS).addScopes("orders.read")
                .addAudiences("https://orders.example");
    }

    private static String description(Throwable e) {
        return ((StatusRuntimeException) e).getStatus().getDescription();
    }

    private static Status.Code code(Throwable e) {
        return ((StatusRuntimeException) e).getStatus().getCode();
    }

    private boolean secretWorks(String clientId, String secret) {
        OAuthClients clients = context.getBean(OAuthClients.class);
        return clients.find(TrustDomain.of("oauthreg.test"), clientId).map(c -> clients.secretMatches(c, secret)).orElse(false);
    }

    @Test
    void admin_createsGetsUpdatesRotatesAndDeletes() throws Exception {
        RegistryServiceBlockingStub admin = as("spiffe://oauthreg.test/meshid/admin");

        var created = admin.createOAuthClient(client("ci-runner").setAccessTokenTtl(Duration.newBuilder().setSeconds(600)).build());
        String secret = created.getClientSecret();
        assertThat(java.util.Base64.getUrlDecoder().decode(secret)).hasSize(32);
        assertThat(created.getClient().getCreatedBy()).isEqualTo("spiffe://oauthreg.test/meshid/admin");
        assertThat(created.getClient().getAccessTokenTtl().getSeconds()).isEqualTo(600);
        assertThat(secretWorks("ci-runner", secret)).isTrue();
        assertThat(secretWorks("ci-runner", secret + "x")).isFalse();

        var got = admin.getOAuthClient(GetOAuthClientRequest.newBuilder().setTrustDomain("oauthreg.test").setClientId("ci-runner").build());
        assertThat(got.getClient()).isEqualTo(created.getClient());
        assertThat(got.toString()).doesNotContain(secret);

        var updated = admin.updateOAuthClient(UpdateOAuthClientRequest.newBuilder().setTrustDomain("oauthreg.test")
                .setClientId("ci-runner").addGrantTypes(OAuthGrantType.OAUTH_GRANT_TYPE_CLIENT_CREDENTIALS)
                .addGrantTypes(OAuthGrantType.OAUTH_GRANT_TYPE_TOKEN_EXCHANGE).addScopes("orders.write")
                .addAudiences("https://billing.example").build()).getClient();
        assertThat(updated.getScopesList()).containsExactly("orders.write");
        assertThat(updated.getAudiencesList()).containsExactly("https://billing.example");
        assertThat(updated.getAccessTokenTtl().getSeconds()).isEqualTo(300);
        assertThat(secretWorks("ci-runner", secret)).as("update keeps the secret").isTrue();

        var rotated = admin.rotateOAuthClientSecret(RotateOAuthClientSecretRequest.newBuilder().setTrustDomain("oauthreg.test")
                .setClientId("ci-runner").build());
        assertThat(rotated.getClientSecret()).isNotEqualTo(secret);
        assertThat(rotated.getClient().hasPreviousSecretExpiresAt()).isTrue();
        assertThat(secretWorks("ci-runner", secret)).as("old secret during the overlap").isTrue();
        assertThat(secretWorks("ci-runner", rotated.getClientSecret())).isTrue();

        var again = admin.rotateOAuthClientSecret(RotateOAuthClientSecretRequest.newBuilder().setTrustDomain("oauthreg.test")
                .setClientId("ci-runner").setOverlap(Duration.getDefaultInstance()).build());
        assertThat(secretWorks("ci-runner", secret)).isFalse();
        assertThat(secretWorks("ci-runner", rotated.getClientSecret())).as("no overlap: stops at once").isFalse();
        assertThat(secretWorks("ci-runner", again.getClientSecret())).isTrue();
        assertThat(again.getClient().hasPreviousSecretExpiresAt()).isFalse();

        admin.deleteOAuthClient(DeleteOAuthClientRequest.newBuilder().setTrustDomain("oauthreg.test").setClientId("ci-runner").build());
        assertThat(secretWorks("ci-runner", again.getClientSecret())).isFalse();
        assertThatThrownBy(() -> admin.getOAuthClient(GetOAuthClientRequest.newBuilder().setTrustDomain("oauthreg.test")
                .setClientId("ci-runner").build())).satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.NOT_FOUND));
    }

    @Test
    void theDatabaseHoldsOnlyTheSecretsHash() throws Exception {
        var created = as("spiffe://oauthreg.test/meshid/admin").createOAuthClient(client("hash-only").build());
        try (Connection c = io.micronaut.data.connection.jdbc.advice.DelegatingDataSource.unwrapDataSource(context.getBean(DataSource.class)).getConnection();
                ResultSet rs = c.createStatement().executeQuery("SELECT * FROM id_oauth_client WHERE client_id = 'hash-only'")) {
            assertThat(rs.next()).isTrue();
            StringBuilder row = new StringBuilder();
            for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                row.append(rs.getString(i)).append('|');
            }
            assertThat(row.toString()).doesNotContain(created.getClientSecret()).contains(
                    java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                            .digest(created.getClientSecret().getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        }
    }

    @Test
    void list_pagesInClientIdOrder_andRefusesAForeignPageToken() throws Exception {
        RegistryServiceBlockingStub admin = as("spiffe://oauthreg.test/meshid/admin");
        for (String id : List.of("page-c", "page-a", "page-b")) {
            admin.createOAuthClient(client(id).build());
        }
        List<String> seen = new ArrayList<>();
        String token = "";
        do {
            var page = admin.listOAuthClients(ListOAuthClientsRequest.newBuilder().setTrustDomain("oauthreg.test").setPageSize(1)
                    .setPageToken(token).build());
            page.getClientsList().forEach(c -> seen.add(c.getClientId()));
            token = page.getNextPageToken();
        } while (!token.isEmpty());
        assertThat(seen.stream().filter(s -> s.startsWith("page-"))).containsExactly("page-a", "page-b", "page-c");
        String foreign = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString("other.test\npage-a".getBytes());
        assertThatThrownBy(() -> admin.listOAuthClients(ListOAuthClientsRequest.newBuilder().setTrustDomain("oauthreg.test")
                .setPageToken(foreign).build())).satisfies(e -> assertThat(description(e)).startsWith("page_token"));
    }

    @Test
    void privateKeyJwtAndTlsClientAuth_needTheirCredential() throws Exception {
        RegistryServiceBlockingStub admin = as("spiffe://oauthreg.test/meshid/admin");
        ECKey key = new ECKeyGenerator(Curve.P_256).keyID("k1").generate();

        var jwt = admin.createOAuthClient(client("signer").setAuthMethod(OAuthClientAuthMethod.OAUTH_CLIENT_AUTH_METHOD_PRIVATE_KEY_JWT)
                .setJwksJson(new JWKSet(key.toPublicJWK()).toString()).build());
        assertThat(jwt.getClientSecret()).isEmpty();
        assertThatThrownBy(() -> admin.createOAuthClient(client("leaky").setAuthMethod(
                OAuthClientAuthMethod.OAUTH_CLIENT_AUTH_METHOD_PRIVATE_KEY_JWT).setJwksJson(new JWKSet(key).toString(false)).build()))
                .satisfies(e -> assertThat(description(e)).contains("private parameters"));
        assertThatThrownBy(() -> admin.createOAuthClient(client("nokeys").setAuthMethod(
                OAuthClientAuthMethod.OAUTH_CLIENT_AUTH_METHOD_PRIVATE_KEY_JWT).build()))
                .satisfies(e -> assertThat(description(e)).startsWith("jwks_json: missing"));
        var tls = admin.createOAuthClient(client("mtls").setAuthMethod(OAuthClientAuthMethod.OAUTH_CLIENT_AUTH_METHOD_TLS_CLIENT_AUTH)
                .setTlsClientAuthSpiffeId("spiffe://oauthreg.test/ns/ci/sa/runner").build());
        assertThat(tls.getClient().getTlsClientAuthSpiffeId()).isEqualTo("spiffe://oauthreg.test/ns/ci/sa/runner");
        assertThatThrownBy(() -> admin.createOAuthClient(client("mtls-foreign").setAuthMethod(
                OAuthClientAuthMethod.OAUTH_CLIENT_AUTH_METHOD_TLS_CLIENT_AUTH).setTlsClientAuthSpiffeId("spiffe://other.test/x").build()))
                .satisfies(e -> assertThat(description(e)).startsWith("tls_client_auth_spiffe_id"));
        assertThatThrownBy(() -> admin.rotateOAuthClientSecret(RotateOAuthClientSecretRequest.newBuilder()
                .setTrustDomain("oauthreg.test").setClientId("mtls").build()))
                .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.FAILED_PRECONDITION));
        assertThatThrownBy(() -> admin.updateOAuthClient(UpdateOAuthClientRequest.newBuilder().setTrustDomain("oauthreg.test")
                .setClientId("mtls").setAuthMethod(OAuthClientAuthMethod.OAUTH_CLIENT_AUTH_METHOD_CLIENT_SECRET_POST)
                .addGrantTypes(OAuthGrantType.OAUTH_GRANT_TYPE_CLIENT_CREDENTIALS).addAudiences("a").build()))
                .satisfies(e -> assertThat(description(e)).startsWith("auth_method"));
    }

    @Test
    void badInput_isInvalidArgument_namingTheField_andChangesNothing() throws Exception {
        RegistryServiceBlockingStub admin = as("spiffe://oauthreg.test/meshid/admin");
        Map<String, CreateOAuthClientRequest> bad = Map.of(
                "client_id", client("-starts-with-dash").build(),
                "auth_method", client("x1").setAuthMethod(OAuthClientAuthMethod.OAUTH_CLIENT_AUTH_METHOD_UNSPECIFIED).build(),
                "grant_types", client("x2").clearGrantTypes().build(),
                "scopes[0]", client("x3").clearScopes().addScopes("has space").build(),
                "audiences", client("x4").clearAudiences().build(),
                "access_token_ttl", client("x5").setAccessTokenTtl(Duration.newBuilder().setSeconds(7200)).build(),
                "credential", client("x6").setTlsClientAuthSpiffeId("spiffe://oauthreg.test/a").build());
        bad.forEach((field, request) -> assertThatThrownBy(() -> admin.createOAuthClient(request))
                .satisfies(e -> assertThat(description(e)).as(field).startsWith(field)));
        assertThat(admin.listOAuthClients(ListOAuthClientsRequest.newBuilder().setTrustDomain("oauthreg.test").build())
                .getClientsList()).noneMatch(c -> c.getClientId().startsWith("x"));
        admin.createOAuthClient(client("twice").build());
        assertThatThrownBy(() -> admin.createOAuthClient(client("twice").build()))
                .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.ALREADY_EXISTS));
    }

    @Test
    void anotherTrustDomainsAdmin_andAWorkload_areRefused() throws Exception {
        as("spiffe://oauthreg.test/meshid/admin").createOAuthClient(client("private").build());
        RegistryServiceBlockingStub stranger = as("spiffe://other.test/meshid/admin");
        assertThatThrownBy(() -> stranger.getOAuthClient(GetOAuthClientRequest.newBuilder().setTrustDomain("oauthreg.test")
                .setClientId("private").build())).satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED));
        assertThatThrownBy(() -> stranger.rotateOAuthClientSecret(RotateOAuthClientSecretRequest.newBuilder()
                .setTrustDomain("oauthreg.test").setClientId("private").build()))
                .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED));
        assertThatThrownBy(() -> stranger.createOAuthClient(client("planted").build()))
                .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED));
        assertThatThrownBy(() -> as("spiffe://oauthreg.test/ns/a/sa/b").listOAuthClients(ListOAuthClientsRequest.newBuilder()
                .setTrustDomain("oauthreg.test").build())).satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED));
        assertThatThrownBy(() -> as("spiffe://ghost.test/meshid/admin").createOAuthClient(client("g").setTrustDomain("ghost.test").build()))
                .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.NOT_FOUND));
    }
}
