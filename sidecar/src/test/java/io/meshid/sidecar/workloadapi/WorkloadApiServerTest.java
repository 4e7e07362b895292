package io.meshid.sidecar.workloadapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.testing.TestPki;
import io.meshid.common.tls.StaticSvidSource;
import io.meshid.common.tls.X509Svid;
import io.meshid.proto.spiffe.workload.JWTSVIDRequest;
import io.meshid.proto.spiffe.workload.SpiffeWorkloadAPIGrpc;
import io.meshid.proto.spiffe.workload.ValidateJWTSVIDRequest;
import io.meshid.proto.spiffe.workload.X509SVIDRequest;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.spiffe.bundle.jwtbundle.JwtBundle;
import io.spiffe.spiffeid.TrustDomain;
import io.spiffe.svid.jwtsvid.JwtSvid;
import io.spiffe.workloadapi.DefaultJwtSource;
import io.spiffe.workloadapi.DefaultX509Source;
import io.spiffe.workloadapi.JwtSource;
import io.spiffe.workloadapi.JwtSourceOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Workload API socket against a SPIFFE client no one here wrote (java-spiffe's
 * DefaultX509Source and DefaultJwtSource), plus the refusals the standard asks for, over a raw gRPC
 * client on the same socket.
 */
class WorkloadApiServerTest {

    private static final String ID = "spiffe://wl.test/ns/shop/sa/cart";

    @TempDir
    Path dir;

    private TestPki pki;
    private StaticSvidSource source;
    private FakeJwtAuthority jwt;
    private WorkloadApiServer server;
    private EventLoopGroup clientLoop;
    private ManagedChannel raw;

    @BeforeEach
    void start() {
        pki = TestPki.create("wl.test");
        source = new StaticSvidSource(pki.svid("/ns/shop/sa/cart"), pki.bundle());
        jwt = new FakeJwtAuthority(SpiffeId.parse(ID));
        server = WorkloadApiServer.start(dir.resolve("agent.sock"), source, jwt);
        clientLoop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        raw = NettyChannelBuilder.forAddress(new DomainSocketAddress(server.socket().toString()))
                .channelType(EpollDomainSocketChannel.class).eventLoopGroup(clientLoop).usePlaintext().build();
    }

    @AfterEach
    void stop() {
        raw.shutdownNow();
        server.close();
        clientLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    private SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIBlockingStub withHeader() {
        Metadata headers = new Metadata();
        headers.put(SecurityHeaderInterceptor.HEADER, "true");
        return SpiffeWorkloadAPIGrpc.newBlockingStub(raw).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                .withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 20 s: " + what);
            }
            Thread.sleep(50);
        }
    }

    @Test
    void javaSpiffeX509Source_getsTheSvidAndBundle_andTheRenewedSvidPushedOnRotation() throws Exception {
        try (DefaultX509Source x509 = DefaultX509Source.newSource(DefaultX509Source.X509SourceOptions.builder()
                .spiffeSocketPath("unix:" + server.socket()).initTimeout(Duration.ofSeconds(20)).build())) {
            assertThat(x509.getX509Svid().getSpiffeId().toString()).isEqualTo(ID);
            assertThat(x509.getX509Svid().getChain()).isEqualTo(source.svid().chain());
            assertThat(x509.getX509Svid().getPrivateKey().getEncoded()).isEqualTo(source.svid().privateKey().getEncoded());
            assertThat(x509.getBundleForTrustDomain(TrustDomain.parse("wl.test")).getX509Authorities())
                    .containsExactlyInAnyOrderElementsOf(pki.bundle().authorities());

            X509Svid renewed = pki.svid("/ns/shop/sa/cart");
            source.update(renewed);
            await(() -> x509.getX509Svid().getLeaf().equals(renewed.leaf()), "the renewed SVID reaches the client");

            TestPki rotated = pki.withNewIntermediate();
            X509Svid underNewIntermediate = rotated.svid("/ns/shop/sa/cart");
            source.update(underNewIntermediate, rotated.bundle());
            await(() -> x509.getX509Svid().getLeaf().equals(underNewIntermediate.leaf()), "the SVID under a new intermediate arrives");
            assertThat(x509.getX509Svid().getChain()).isEqualTo(underNewIntermediate.chain());
        }
    }

    @Test
    void javaSpiffeJwtSource_fetchesJwtSvids_andBundles_andSeesARotatedKey() throws Exception {
        JwtSource source = DefaultJwtSource.newSource(JwtSourceOptions.builder().spiffeSocketPath("unix:" + server.socket())
                .initTimeout(Duration.ofSeconds(20)).build());
        try {
            JwtSvid svid = source.fetchJwtSvid("payments", "audit");
            assertThat(svid.getSpiffeId().toString()).isEqualTo(ID);
            assertThat(svid.getAudience()).containsExactlyInAnyOrder("payments", "audit");
            JwtBundle bundle = source.getBundleForTrustDomain(TrustDomain.parse("wl.test"));
            assertThat(bundle.hasJwtAuthority(jwt.keyId())).isTrue();
            // The client verifies the token with the bundle it got from the socket.
            JwtSvid verified = JwtSvid.parseAndValidate(svid.getToken(), source, Set.of("payments"));
            assertThat(verified.getSpiffeId().toString()).isEqualTo(ID);

            String oldKid = jwt.keyId();
            jwt.rotate();
            await(() -> {
                try {
                    return source.getBundleForTrustDomain(TrustDomain.parse("wl.test")).hasJwtAuthority(jwt.keyId());
                } catch (Exception e) {
                    return false;
                }
            }, "the rotated JWT key reaches the client");
            assertThat(jwt.keyId()).isNotEqualTo(oldKid);
        } finally {
            source.close();
        }
    }

    @Test
    void validateJwtSvid_answersTheSubjectAndClaims_andRefusesABadToken() {
        String token = jwt.mint(java.util.List.of("payments")).token();
        var reply = withHeader().validateJWTSVID(ValidateJWTSVIDRequest.newBuilder().setAudience("payments").setSvid(token).build());
        assertThat(reply.getSpiffeId()).isEqualTo(ID);
        assertThat(reply.getClaims().getFieldsMap()).containsKey("sub");

        assertThatThrownBy(() -> withHeader().validateJWTSVID(ValidateJWTSVIDRequest.newBuilder().setAudience("other").setSvid(token).build()))
                .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
        assertThatThrownBy(() -> withHeader().validateJWTSVID(ValidateJWTSVIDRequest.newBuilder().setAudience("payments")
                .setSvid(token.substring(0, token.length() - 4) + "AAAA").build()))
                .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
        assertThatThrownBy(() -> withHeader().validateJWTSVID(ValidateJWTSVIDRequest.newBuilder().setAudience("payments").build()))
                .satisfies(e -> assertThat(Status.fromThrowable(e).getDescription()).contains("svid: 0 characters"));
    }

    @Test
    void everyRpc_withoutTheSecurityHeader_isInvalidArgument() {
        var bare = SpiffeWorkloadAPIGrpc.newBlockingStub(raw).withDeadlineAfter(10, TimeUnit.SECONDS);
        assertThatThrownBy(() -> bare.fetchX509SVID(X509SVIDRequest.getDefaultInstance()).next())
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).contains("workload.spiffe.io");
                });
        assertThatThrownBy(() -> bare.fetchJWTSVID(JWTSVIDRequest.newBuilder().addAudience("a").build()))
                .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
        Metadata wrong = new Metadata();
        wrong.put(SecurityHeaderInterceptor.HEADER, "yes");
        assertThatThrownBy(() -> bare.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(wrong))
                .fetchJWTSVID(JWTSVIDRequest.newBuilder().addAudience("a").build()))
                .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    }

    @Test
    void fetchJwtSvid_refusesNoAudience_tooMany_anotherId_andReportsAnUnreachableIssuer() {
        assertThatThrownBy(() -> withHeader().fetchJWTSVID(JWTSVIDRequest.getDefaultInstance()))
                .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
        JWTSVIDRequest.Builder many = JWTSVIDRequest.newBuilder();
        for (int i = 0; i < 17; i++) {
            many.addAudience("a" + i);
        }
        assertThatThrownBy(() -> withHeader().fetchJWTSVID(many.build()))
                .satisfies(e -> assertThat(Status.fromThrowable(e).getDescription()).contains("17 values"));
        assertThatThrownBy(() -> withHeader().fetchJWTSVID(JWTSVIDRequest.newBuilder().addAudience("a")
                .setSpiffeId("spiffe://wl.test/ns/admin/sa/root").build()))
                .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
        jwt.unavailable = true;
        assertThatThrownBy(() -> withHeader().fetchJWTSVID(JWTSVIDRequest.newBuilder().addAudience("a").build()))
                .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }

    @Test
    void theSocket_isOwnerOnlyByDefault_andOpenToOthersIsRefused() throws Exception {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(server.socket()))).isEqualTo("rw-------");
        assertThatThrownBy(() -> WorkloadApiServer.start(dir.resolve("open.sock"), source, jwt, PosixFilePermissions.fromString("rw-rw-rw-")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no rights for others");
        assertThat(dir.resolve("open.sock")).doesNotExist();
        try (WorkloadApiServer group = WorkloadApiServer.start(dir.resolve("group.sock"), source, jwt, WorkloadApiServer.OWNER_AND_GROUP)) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(group.socket()))).isEqualTo("rw-rw----");
        }
        assertThat(dir.resolve("group.sock")).doesNotExist();
    }

    @Test
    void aRegularFileAtTheSocketPath_isRefusedAndKept_aStaleSocketIsReplaced() throws Exception {
        Path file = dir.resolve("notasocket");
        Files.writeString(file, "data");
        assertThatThrownBy(() -> WorkloadApiServer.start(file, source, jwt))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("something other than a socket");
        assertThat(Files.readString(file)).isEqualTo("data");

        // A socket left behind by a crashed run: the path holds a socket nobody serves.
        Path stale = dir.resolve("stale.sock");
        try (var channel = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            channel.bind(java.net.UnixDomainSocketAddress.of(stale));
        }
        assertThat(stale).exists();
        try (WorkloadApiServer again = WorkloadApiServer.start(stale, source, jwt)) {
            assertThat(again.socket()).exists();
        }
        assertThatThrownBy(() -> WorkloadApiServer.start(dir.resolve("missing/dir.sock"), source, jwt))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("directory does not exist");
    }
}
