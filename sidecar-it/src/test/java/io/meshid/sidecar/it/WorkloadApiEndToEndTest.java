package io.meshid.sidecar.it;

import static io.meshid.sidecar.it.IdentityRotationEndToEndTest.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.meshid.proto.spiffe.workload.SpiffeWorkloadAPIGrpc;
import io.meshid.proto.spiffe.workload.ValidateJWTSVIDRequest;
import io.meshid.common.identity.AttestedSvidSource;
import io.meshid.sidecar.workloadapi.IdentityServerJwtAuthority;
import io.meshid.sidecar.workloadapi.WorkloadApiServer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.spiffe.spiffeid.TrustDomain;
import io.spiffe.svid.jwtsvid.JwtSvid;
import io.spiffe.workloadapi.DefaultJwtSource;
import io.spiffe.workloadapi.DefaultX509Source;
import io.spiffe.workloadapi.JwtSource;
import io.spiffe.workloadapi.JwtSourceOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The Workload API served from an attested identity, against the real servers and java-spiffe's
 * DefaultX509Source and DefaultJwtSource: the X.509-SVID identity-server issued, the renewed one
 * pushed on rotation, JWT-SVIDs minted by identity-server and verified with the JWT bundle from
 * the socket, and ValidateJWTSVID through identity-server.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WorkloadApiEndToEndTest {

    private ControlPlane plane;
    private AttestedSvidSource identity;
    private IdentityServerJwtAuthority jwt;
    private WorkloadApiServer api;
    private Path dir;

    @BeforeAll
    void start() throws Exception {
        plane = new ControlPlane(Files.createTempDirectory("meshid-sidecar-wl"));
        identity = AttestedSvidSource.start(plane.sidecar("/ns/shop/sa/cart", Duration.ofMinutes(10)));
        jwt = new IdentityServerJwtAuthority(identity.identityServer(), identity.config().trustDomain());
        dir = Files.createTempDirectory("meshid-wl-sock");
        api = WorkloadApiServer.start(dir.resolve("workload.sock"), identity, jwt);
    }

    @AfterAll
    void stop() throws Exception {
        if (api != null) {
            api.close();
        }
        if (jwt != null) {
            jwt.close();
        }
        if (identity != null) {
            identity.close();
        }
        if (plane != null) {
            plane.close();
        }
    }

    @Test
    void javaSpiffeX509Source_getsTheAttestedSvid_andTheRenewedOnePushed() throws Exception {
        try (DefaultX509Source x509 = DefaultX509Source.newSource(DefaultX509Source.X509SourceOptions.builder()
                .spiffeSocketPath("unix:" + api.socket()).initTimeout(Duration.ofSeconds(30)).build())) {
            assertThat(x509.getX509Svid().getSpiffeId().toString()).isEqualTo(identity.svid().spiffeId().toString());
            assertThat(x509.getX509Svid().getLeaf()).isEqualTo(identity.svid().leaf());
            assertThat(x509.getBundleForTrustDomain(TrustDomain.parse(ControlPlane.DOMAIN)).getX509Authorities())
                    .containsExactlyInAnyOrderElementsOf(identity.bundle().authorities());
            var before = identity.svid().leaf();
            identity.renewSoon();
            await(() -> !identity.svid().leaf().equals(before), Duration.ofSeconds(30), "the sidecar renewed");
            await(() -> x509.getX509Svid().getLeaf().equals(identity.svid().leaf()), Duration.ofSeconds(30),
                    "the renewed SVID pushed to the client");
        }
    }

    @Test
    void javaSpiffeJwtSource_getsJwtSvidsFromIdentityServer_verifiedWithTheSocketsJwtBundle() throws Exception {
        JwtSource source = DefaultJwtSource.newSource(JwtSourceOptions.builder().spiffeSocketPath("unix:" + api.socket())
                .initTimeout(Duration.ofSeconds(30)).build());
        try {
            JwtSvid svid = source.fetchJwtSvid("payments");
            assertThat(svid.getSpiffeId().toString()).isEqualTo(identity.svid().spiffeId().toString());
            JwtSvid verified = JwtSvid.parseAndValidate(svid.getToken(), source, Set.of("payments"));
            assertThat(verified.getSpiffeId()).isEqualTo(svid.getSpiffeId());

            EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
            ManagedChannel raw = NettyChannelBuilder.forAddress(new DomainSocketAddress(api.socket().toString()))
                    .channelType(EpollDomainSocketChannel.class).eventLoopGroup(loop).usePlaintext().build();
            try {
                Metadata headers = new Metadata();
                headers.put(Metadata.Key.of("workload.spiffe.io", Metadata.ASCII_STRING_MARSHALLER), "true");
                var stub = SpiffeWorkloadAPIGrpc.newBlockingStub(raw).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                        .withDeadlineAfter(30, TimeUnit.SECONDS);
                var valid = stub.validateJWTSVID(ValidateJWTSVIDRequest.newBuilder().setAudience("payments").setSvid(svid.getToken()).build());
                assertThat(valid.getSpiffeId()).isEqualTo(svid.getSpiffeId().toString());
                assertThat(valid.getClaims().getFieldsMap().get("sub").getStringValue()).isEqualTo(valid.getSpiffeId());
                assertThatThrownBy(() -> stub.validateJWTSVID(ValidateJWTSVIDRequest.newBuilder().setAudience("elsewhere")
                        .setSvid(svid.getToken()).build()))
                        .satisfies(e -> {
                            assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                            assertThat(Status.fromThrowable(e).getDescription()).contains("AUDIENCE");
                        });
            } finally {
                raw.shutdownNow();
                loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            }
        } finally {
            source.close();
        }
    }
}
