package io.meshid.identity.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.meshid.common.errors.ErrorMappingInterceptor;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.testing.TestDatabase;
import io.meshid.common.tls.TestCallers;
import io.meshid.proto.common.v1.RevocationReason;
import io.meshid.proto.identity.v1.CreateTrustDomainRequest;
import io.meshid.proto.identity.v1.RevokeX509SvidRequest;
import io.meshid.proto.identity.v1.CreateEntryRequest;
import io.meshid.proto.identity.v1.CreateJoinTokenRequest;
import io.meshid.proto.identity.v1.DeleteEntryRequest;
import io.meshid.proto.identity.v1.GetEntryRequest;
import io.meshid.proto.identity.v1.ListEntriesRequest;
import io.meshid.proto.identity.v1.RegistryServiceGrpc;
import io.meshid.proto.identity.v1.RegistryServiceGrpc.RegistryServiceBlockingStub;
import io.meshid.proto.identity.v1.Selector;
import io.meshid.identity.jwt.JwtTestContexts;
import io.micronaut.context.ApplicationContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * RegistryService over the in-process transport with the real registry on H2: who may do what,
 * and that one trust domain's admin sees nothing of another's.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RegistryServiceEndpointTest {

    private ApplicationContext context;
    private final List<Server> servers = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();

    @BeforeAll
    void start() {
        Map<String, Object> p = new HashMap<>(TestDatabase.h2().properties("common", "identity-server"));
        p.put("meshid.trust-domain", "reg.test");
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
        return as(TestCallers.as(SpiffeId.parse(caller)));
    }

    /** Through the server's own authorization table, as the real server runs it. */
    private RegistryServiceBlockingStub as(io.grpc.ServerInterceptor caller) throws Exception {
        String name = InProcessServerBuilder.generateName();
        RegistryServiceEndpoint endpoint = context.getBean(RegistryServiceEndpoint.class);
        servers.add(InProcessServerBuilder.forName(name).directExecutor()
                .addService(ServerInterceptors.intercept(endpoint, new ErrorMappingInterceptor(),
                        context.getBean(io.meshid.common.authz.AuthorizationInterceptor.class), caller))
                .build().start());
        ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        channels.add(channel);
        return RegistryServiceGrpc.newBlockingStub(channel);
    }

    private static CreateEntryRequest entry(String id) {
        return CreateEntryRequest.newBuilder().setSpiffeId(id)
                .addSelectors(Selector.newBuilder().setType("k8s").setValue("cluster:prod"))
                .addSelectors(Selector.newBuilder().setType("k8s").setValue("ns:payments")).build();
    }

    private static Status.Code code(Throwable e) {
        return ((StatusRuntimeException) e).getStatus().getCode();
    }

    @Test
    void admin_createsGetsListsAndDeletes_andGetsAJoinToken() throws Exception {
        RegistryServiceBlockingStub admin = as("spiffe://reg.test/meshid/admin");

        var created = admin.createEntry(entry("spiffe://reg.test/ns/payments/sa/api")).getEntry();
        assertThat(created.getCreatedBy()).isEqualTo("spiffe://reg.test/meshid/admin");
        assertThat(admin.getEntry(GetEntryRequest.newBuilder().setId(created.getId()).build()).getEntry()).isEqualTo(created);
        assertThat(admin.listEntries(ListEntriesRequest.newBuilder().setTrustDomain("reg.test").setPathPrefix("/ns/payments/").build())
                .getEntriesList()).contains(created);
        var token = admin.createJoinToken(CreateJoinTokenRequest.newBuilder().setEntryId(created.getId()).build());
        assertThat(token.getToken()).hasSizeGreaterThanOrEqualTo(43);
        admin.deleteEntry(DeleteEntryRequest.newBuilder().setId(created.getId()).build());
        assertThatThrownBy(() -> admin.getEntry(GetEntryRequest.newBuilder().setId(created.getId()).build()))
                .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.NOT_FOUND));
    }

    @Test
    void entryAdmin_isAnAdminToo_butAWorkloadIsNot() throws Exception {
        RegistryServiceBlockingStub admin = as("spiffe://reg.test/meshid/admin");
        admin.createEntry(CreateEntryRequest.newBuilder().setSpiffeId("spiffe://reg.test/team/platform").setAdmin(true).build());

        // The SVID the CA issues for that entry carries the admin mark; the same SPIFFE ID without it is nobody.
        io.meshid.common.testing.TestPki pki = io.meshid.common.testing.TestPki.create("reg.test");
        assertThat(as(TestCallers.as(pki.leaf("spiffe://reg.test/team/platform").admin().issue().leaf()))
                .createEntry(entry("spiffe://reg.test/ns/payments/sa/by-team")).getEntry().getId()).isNotEmpty();
        assertThatThrownBy(() -> as(TestCallers.as(pki.leaf("spiffe://reg.test/team/platform").issue().leaf()))
                .createEntry(entry("spiffe://reg.test/ns/payments/sa/by-team-2")))
                .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED));
        assertThatThrownBy(() -> as("spiffe://reg.test/ns/payments/sa/api").createEntry(entry("spiffe://reg.test/ns/payments/sa/x")))
                .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED));
    }

    @Test
    void adminOfAnotherTrustDomain_cannotReadOrChangeThisOne() throws Exception {
        RegistryServiceBlockingStub admin = as("spiffe://reg.test/meshid/admin");
        var mine = admin.createEntry(entry("spiffe://reg.test/ns/payments/sa/private")).getEntry();
        RegistryServiceBlockingStub stranger = as("spiffe://other.test/meshid/admin");

        assertThatThrownBy(() -> stranger.getEntry(GetEntryRequest.newBuilder().setId(mine.getId()).build()))
                .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.NOT_FOUND));
        assertThatThrownBy(() -> stranger.deleteEntry(DeleteEntryRequest.newBuilder().setId(mine.getId()).build()))
                .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.NOT_FOUND));
        assertThatThrownBy(() -> stranger.createJoinToken(CreateJoinTokenRequest.newBuilder().setEntryId(mine.getId()).build()))
                .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.NOT_FOUND));
        assertThatThrownBy(() -> stranger.listEntries(ListEntriesRequest.newBuilder().setTrustDomain("reg.test").build()))
                .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED));
        assertThatThrownBy(() -> stranger.createEntry(entry("spiffe://reg.test/ns/payments/sa/planted")))
                .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED));
        assertThat(admin.getEntry(GetEntryRequest.newBuilder().setId(mine.getId()).build()).getEntry()).isEqualTo(mine);
    }

    @Test
    void badInput_isInvalidArgument_withTheField() throws Exception {
        RegistryServiceBlockingStub admin = as("spiffe://reg.test/meshid/admin");

        assertThatThrownBy(() -> admin.createEntry(entry("spiffe://reg.test/a/../b")))
                .satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getDescription()).startsWith("spiffe_id:"));
        assertThatThrownBy(() -> admin.getEntry(GetEntryRequest.newBuilder().setId("not-a-uuid").build()))
                .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT));
        assertThatThrownBy(() -> admin.listEntries(ListEntriesRequest.newBuilder().setTrustDomain("reg.test").setPageSize(5000).build()))
                .satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getDescription()).startsWith("page_size: 5000"));
        assertThatThrownBy(() -> admin.listEntries(ListEntriesRequest.newBuilder().setTrustDomain("reg.test").setPageToken("zz").build()))
                .satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getDescription()).startsWith("page_token"));
    }

    private static RevokeX509SvidRequest revoke(String domain, String serial) {
        return RevokeX509SvidRequest.newBuilder().setTrustDomain(domain).setSerialNumber(serial)
                .setReason(RevocationReason.REVOCATION_REASON_KEY_COMPROMISE).build();
    }

    @Test
    void adminOfAnotherTrustDomain_cannotRevokeThisOnesCertificates() throws Exception {
        RegistryServiceBlockingStub stranger = as("spiffe://other.test/meshid/admin");

        assertThatThrownBy(() -> stranger.revokeX509Svid(revoke("reg.test", "81ab")))
                .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED));
        assertThatThrownBy(() -> as("spiffe://reg.test/ns/payments/sa/api").revokeX509Svid(revoke("reg.test", "81ab")))
                .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED));
    }

    @Test
    void aTrustDomainThatDoesNotExist_isNotFound_forEntriesAndRevocations() throws Exception {
        RegistryServiceBlockingStub ghostAdmin = as("spiffe://ghost.test/meshid/admin");

        assertThatThrownBy(() -> ghostAdmin.createEntry(entry("spiffe://ghost.test/ns/a/sa/b")))
                .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.NOT_FOUND));
        assertThatThrownBy(() -> ghostAdmin.listEntries(ListEntriesRequest.newBuilder().setTrustDomain("ghost.test").build()))
                .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.NOT_FOUND));
        assertThatThrownBy(() -> ghostAdmin.revokeX509Svid(revoke("ghost.test", "81ab")))
                .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.NOT_FOUND));
    }

    @Test
    void revoke_badInput_isInvalidArgument() throws Exception {
        RegistryServiceBlockingStub admin = as("spiffe://reg.test/meshid/admin");

        assertThatThrownBy(() -> admin.revokeX509Svid(revoke("reg.test", "zz-top")))
                .satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getDescription()).startsWith("serial_number:"));
        assertThatThrownBy(() -> admin.revokeX509Svid(revoke("reg.test", "81ab").toBuilder()
                        .setReason(RevocationReason.REVOCATION_REASON_UNSPECIFIED).build()))
                .satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getDescription()).startsWith("reason:"));
        assertThatThrownBy(() -> admin.revokeX509Svid(revoke("reg.test", "81ab").toBuilder().setComment("c".repeat(513)).build()))
                .satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getDescription()).startsWith("comment: 513"));
        assertThatThrownBy(() -> admin.revokeX509Svid(revoke("", "81ab")))
                .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT));
    }

    @Test
    void createTrustDomain_takesAnAdminOfTheSystemTrustDomain_andANewValidName() throws Exception {
        RegistryServiceBlockingStub admin = as("spiffe://reg.test/meshid/admin");

        assertThatThrownBy(() -> as("spiffe://other.test/meshid/admin").createTrustDomain(
                        CreateTrustDomainRequest.newBuilder().setName("new.test").build()))
                .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED));
        assertThatThrownBy(() -> as("spiffe://reg.test/ns/payments/sa/api").createTrustDomain(
                        CreateTrustDomainRequest.newBuilder().setName("new.test").build()))
                .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED));
        assertThatThrownBy(() -> admin.createTrustDomain(CreateTrustDomainRequest.newBuilder().setName("Not Valid").build()))
                .satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getDescription()).startsWith("trust_domain:"));
        assertThatThrownBy(() -> admin.createTrustDomain(CreateTrustDomainRequest.newBuilder().setName("").build()))
                .satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getDescription()).startsWith("name: empty"));
        assertThatThrownBy(() -> admin.createTrustDomain(CreateTrustDomainRequest.newBuilder().setName("new.test")
                        .setDescription("d".repeat(1025)).build()))
                .satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getDescription()).startsWith("description: 1025"));
        assertThatThrownBy(() -> admin.createTrustDomain(CreateTrustDomainRequest.newBuilder().setName("reg.test").build()))
                .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.ALREADY_EXISTS));
    }

    @Test
    void listTrustDomains_showsASystemAdminEveryOne_aTenantAdminItsOwn_andAWorkloadNone() throws Exception {
        var registry = context.getBean(io.meshid.identity.registry.Registry.class);
        for (String name : List.of("list-a.test", "list-b.test", "list-c.test")) {
            if (registry.trustDomain(io.meshid.common.spiffe.TrustDomain.of(name)).isEmpty()) {
                registry.createTrustDomain(io.meshid.common.spiffe.TrustDomain.of(name), "for " + name, "test", java.time.Instant.now());
            }
        }
        RegistryServiceBlockingStub admin = as("spiffe://reg.test/meshid/admin");

        List<String> all = new ArrayList<>();
        String token = "";
        int pages = 0;
        do {
            var page = admin.listTrustDomains(io.meshid.proto.identity.v1.ListTrustDomainsRequest.newBuilder().setPageSize(1)
                    .setPageToken(token).build());
            assertThat(page.getTrustDomainsCount()).isLessThanOrEqualTo(1);
            page.getTrustDomainsList().forEach(d -> all.add(d.getName()));
            token = page.getNextPageToken();
            pages++;
        } while (!token.isEmpty() && pages < 100);
        assertThat(all).contains("list-a.test", "list-b.test", "list-c.test").isSorted().doesNotHaveDuplicates();
        assertThat(admin.listTrustDomains(io.meshid.proto.identity.v1.ListTrustDomainsRequest.getDefaultInstance())
                .getTrustDomainsList()).anySatisfy(d -> {
                    assertThat(d.getName()).isEqualTo("list-b.test");
                    assertThat(d.getDescription()).isEqualTo("for list-b.test");
                    assertThat(d.getCreatedBy()).isEqualTo("test");
                });

        var tenant = as("spiffe://list-b.test/meshid/admin").listTrustDomains(
                io.meshid.proto.identity.v1.ListTrustDomainsRequest.getDefaultInstance());
        assertThat(tenant.getTrustDomainsList()).extracting(io.meshid.proto.identity.v1.TrustDomain::getName)
                .containsExactly("list-b.test");
        assertThatThrownBy(() -> as("spiffe://reg.test/ns/payments/sa/api").listTrustDomains(
                        io.meshid.proto.identity.v1.ListTrustDomainsRequest.getDefaultInstance()))
                .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED));
    }

    @Test
    void listTrustDomains_badPageSizeOrToken_isInvalidArgument_withTheField() throws Exception {
        RegistryServiceBlockingStub admin = as("spiffe://reg.test/meshid/admin");
        for (var bad : List.of(io.meshid.proto.identity.v1.ListTrustDomainsRequest.newBuilder().setPageSize(1001).build(),
                io.meshid.proto.identity.v1.ListTrustDomainsRequest.newBuilder().setPageSize(-1).build())) {
            assertThatThrownBy(() -> admin.listTrustDomains(bad)).satisfies(e -> {
                assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
                assertThat(((StatusRuntimeException) e).getStatus().getDescription()).startsWith("page_size: ");
            });
        }
        String entriesToken = java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString("spiffe://reg.test/x\nid".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        for (String token : List.of("%%%", entriesToken, "dGQKTm90IFZhbGlk")) {
            assertThatThrownBy(() -> admin.listTrustDomains(io.meshid.proto.identity.v1.ListTrustDomainsRequest.newBuilder()
                    .setPageToken(token).build())).satisfies(e -> {
                        assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
                        assertThat(((StatusRuntimeException) e).getStatus().getDescription()).startsWith("page_token: ");
                    });
        }
    }
}
