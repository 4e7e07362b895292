package io.meshid.ca.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.meshid.ca.authority.AuthorityManager;
import io.meshid.ca.authority.SigningAuthority;
import io.meshid.ca.testing.CaServer;
import io.meshid.ca.testing.Csrs;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.testing.MutableClock;
import io.meshid.common.testing.TestDatabase;
import io.meshid.common.tls.StaticSvidSource;
import io.meshid.common.tls.SvidVerificationException;
import io.meshid.common.tls.SvidVerifier;
import io.meshid.common.tls.TlsContexts;
import io.meshid.common.tls.X509Bundle;
import io.meshid.common.tls.X509Svid;
import io.meshid.proto.ca.v1.AuthorityLevel;
import io.meshid.proto.ca.v1.CertificateAuthorityGrpc;
import io.meshid.proto.ca.v1.GetTrustBundleRequest;
import io.meshid.proto.ca.v1.RotateAuthorityRequest;
import io.meshid.proto.ca.v1.RotateAuthorityResponse;
import io.meshid.proto.ca.v1.SignX509SvidRequest;
import io.meshid.proto.ca.v1.WatchTrustBundleRequest;
import io.meshid.proto.ca.v1.WatchTrustBundleResponse;
import io.meshid.proto.common.v1.TrustBundle;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.junit.jupiter.api.Test;

/**
 * The compromise response end to end, seen by a holder that follows WatchTrustBundle over mTLS:
 * the new root and intermediate arrive first and sign at once; until the cutoff old leaves still
 * verify (so live SVIDs can renew); at the cutoff a bundle without any old authority arrives, and
 * from then on every leaf under the old chain (a live workload's, and one an attacker forged with
 * the stolen intermediate key) is refused, by the watcher's verifier and by the CA's own mTLS port.
 */
class CompromiseResponseTest {

    private static final TrustDomain DOMAIN = TrustDomain.of(CaServer.DOMAIN);
    private static final String WORKLOAD = "spiffe://ca.test/ns/payments/sa/api";

    @Test
    void compromisedRotation_publishesTheNewChainFirst_thenCutsTheOldOneOffAtTheCutoff() throws Exception {
        MutableClock clock = MutableClock.at(Instant.now());
        try (CaServer server = new CaServer(TestDatabase.h2(), Map.of("meshid.ca.rotation-check-interval", "PT1H"), clock)) {
            AuthorityManager authorities = server.context().getBean(AuthorityManager.class);
            ManagedChannel identity = server.channelAs("spiffe://ca.test/meshid/identity-server");
            ManagedChannel admin = server.channelAs("spiffe://ca.test/meshid/admin");
            ManagedChannel watcherChannel = server.channelAs("spiffe://ca.test/ns/mesh/sa/sidecar");
            LinkedBlockingQueue<TrustBundle> watched = new LinkedBlockingQueue<>();
            LinkedBlockingQueue<Throwable> ended = new LinkedBlockingQueue<>();
            Context.CancellableContext watch = Context.current().withCancellation();
            try {
                watch.run(() -> CertificateAuthorityGrpc.newStub(watcherChannel).watchTrustBundle(
                        WatchTrustBundleRequest.getDefaultInstance(), new StreamObserver<WatchTrustBundleResponse>() {
                            @Override
                            public void onNext(WatchTrustBundleResponse value) {
                                watched.add(value.getBundle());
                            }

                            @Override
                            public void onError(Throwable t) {
                                ended.add(t);
                            }

                            @Override
                            public void onCompleted() {
                            }
                        }));
                TrustBundle before = next(watched, b -> true);

                KeyPair liveKey = Csrs.ec("secp256r1");
                List<X509Certificate> live = sign(identity, liveKey);
                SigningAuthority stolen = authorities.signer(DOMAIN);
                List<X509Certificate> forged = List.of(forge(stolen, WORKLOAD), stolen.certificate());
                List<X509Certificate> oldAuthorities = parse(before.getX509AuthoritiesList());

                RotateAuthorityResponse reply = CertificateAuthorityGrpc.newBlockingStub(admin).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .rotateAuthority(RotateAuthorityRequest.newBuilder().setLevel(AuthorityLevel.AUTHORITY_LEVEL_INTERMEDIATE)
                                .setReason("intermediate key found on a laptop").setCompromised(true)
                                .setCutoffAfter(com.google.protobuf.Duration.newBuilder().setSeconds(300)).build());

                assertThat(reply.getActivatedList()).extracting(a -> a.getLevel())
                        .containsExactly(AuthorityLevel.AUTHORITY_LEVEL_ROOT, AuthorityLevel.AUTHORITY_LEVEL_INTERMEDIATE);
                assertThat(Instant.ofEpochSecond(reply.getCutoffAt().getSeconds()))
                        .isCloseTo(clock.instant().plusSeconds(300), org.assertj.core.api.Assertions.within(1, ChronoUnit.SECONDS));
                TrustBundle window = next(watched, b -> b.getSequenceNumber() > before.getSequenceNumber());
                List<X509Certificate> windowAuthorities = parse(window.getX509AuthoritiesList());
                assertThat(windowAuthorities).as("new root first, old chain kept for the window")
                        .contains(parse(reply.getActivated(0).getCertificate())).containsAll(oldAuthorities);

                KeyPair renewedKey = Csrs.ec("secp256r1");
                List<X509Certificate> renewed = sign(identity, renewedKey);
                assertThat(renewed.get(1)).as("signed by the new intermediate").isEqualTo(parse(reply.getActivated(1).getCertificate()));
                assertThatCode(() -> verify(live, window)).as("a live SVID still verifies during the window").doesNotThrowAnyException();
                assertThatCode(() -> verify(renewed, window)).doesNotThrowAnyException();

                clock.advance(Duration.ofSeconds(301));
                authorities.tickAll();

                // The watcher's own SVID is under the old chain: its stream is cut off rather than fed the
                // bundle that no longer trusts it; with its renewed SVID it watches again.
                assertThat(ended.poll(10, TimeUnit.SECONDS)).isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
                X509Bundle clientTrust = X509Bundle.of(DOMAIN, windowAuthorities, window.getSequenceNumber());
                TrustBundle after = firstBundleAs(server, X509Svid.of(renewed, renewedKey.getPrivate()), clientTrust);
                assertThat(after.getSequenceNumber()).isGreaterThan(window.getSequenceNumber());
                List<X509Certificate> afterAuthorities = parse(after.getX509AuthoritiesList());
                assertThat(afterAuthorities).as("no old authority is left").doesNotContainAnyElementsOf(oldAuthorities)
                        .contains(parse(reply.getActivated(0).getCertificate()));
                assertThatThrownBy(() -> verify(live, after)).isInstanceOf(SvidVerificationException.class);
                assertThatThrownBy(() -> verify(forged, after)).isInstanceOf(SvidVerificationException.class);
                assertThatCode(() -> verify(renewed, after)).doesNotThrowAnyException();
                assertThat(authorities.bundle(DOMAIN).authorities()).doesNotContainAnyElementsOf(oldAuthorities);

                // The CA's own mTLS port refuses the old leaf; the renewed one still gets in.
                assertThatThrownBy(() -> callAs(server, X509Svid.of(live, liveKey.getPrivate()), clientTrust))
                        .isInstanceOfSatisfying(StatusRuntimeException.class,
                                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
                assertThatCode(() -> callAs(server, X509Svid.of(renewed, renewedKey.getPrivate()), clientTrust))
                        .doesNotThrowAnyException();
            } finally {
                watch.cancel(null);
                List.of(identity, admin, watcherChannel).forEach(ManagedChannel::shutdownNow);
            }
        }
    }

    @Test
    void compromisedRotation_withZeroCutoff_removesTheOldChainAtOnce_andBadWindowsAreRefused() throws Exception {
        try (CaServer server = new CaServer(TestDatabase.h2(), Map.of())) {
            ManagedChannel admin = server.channelAs("spiffe://ca.test/meshid/admin");
            try {
                var stub = CertificateAuthorityGrpc.newBlockingStub(admin).withDeadlineAfter(10, TimeUnit.SECONDS);
                List<X509Certificate> old = parse(stub.getTrustBundle(GetTrustBundleRequest.getDefaultInstance()).getBundle()
                        .getX509AuthoritiesList());

                for (var bad : List.of(
                        RotateAuthorityRequest.newBuilder().setCompromised(true)
                                .setCutoffAfter(com.google.protobuf.Duration.newBuilder().setSeconds(3601)),
                        RotateAuthorityRequest.newBuilder().setCompromised(true)
                                .setCutoffAfter(com.google.protobuf.Duration.newBuilder().setSeconds(-1)),
                        RotateAuthorityRequest.newBuilder().setCutoffAfter(com.google.protobuf.Duration.newBuilder().setSeconds(60)))) {
                    assertThatThrownBy(() -> stub.rotateAuthority(bad.setLevel(AuthorityLevel.AUTHORITY_LEVEL_INTERMEDIATE)
                            .setReason("r").build()))
                            .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                                assertThat(e.getStatus().getDescription()).startsWith("cutoff_after: ");
                            });
                }

                RotateAuthorityResponse reply = stub.rotateAuthority(RotateAuthorityRequest.newBuilder()
                        .setLevel(AuthorityLevel.AUTHORITY_LEVEL_ROOT).setReason("root key leaked").setCompromised(true)
                        .setCutoffAfter(com.google.protobuf.Duration.getDefaultInstance()).build());

                assertThat(parse(reply.getBundle().getX509AuthoritiesList())).doesNotContainAnyElementsOf(old).hasSize(2);
                // The admin's SVID was under the old chain: cut off at once, on its open connection too.
                assertThatThrownBy(() -> stub.getTrustBundle(GetTrustBundleRequest.getDefaultInstance()))
                        .isInstanceOfSatisfying(StatusRuntimeException.class,
                                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
            } finally {
                admin.shutdownNow();
            }
        }
    }

    private static TrustBundle next(LinkedBlockingQueue<TrustBundle> watched, Predicate<TrustBundle> wanted) throws InterruptedException {
        while (true) {
            TrustBundle b = watched.poll(10, TimeUnit.SECONDS);
            assertThat(b).as("a bundle from the watch").isNotNull();
            if (wanted.test(b)) {
                return b;
            }
        }
    }

    private static List<X509Certificate> sign(ManagedChannel identity, KeyPair key) throws Exception {
        return parse(CertificateAuthorityGrpc.newBlockingStub(identity).withDeadlineAfter(10, TimeUnit.SECONDS)
                .signX509Svid(SignX509SvidRequest.newBuilder().setCsr(ByteString.copyFrom(Csrs.of(key))).setSpiffeId(WORKLOAD).build())
                .getSvid().getCertChainList());
    }

    private static void verify(List<X509Certificate> chain, TrustBundle bundle) throws Exception {
        new SvidVerifier().verify(chain, X509Bundle.of(DOMAIN, parse(bundle.getX509AuthoritiesList()), bundle.getSequenceNumber()),
                Instant.now());
    }

    private static TrustBundle firstBundleAs(CaServer server, X509Svid svid, X509Bundle trust) {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort())
                .sslContext(TlsContexts.grpcClient(new StaticSvidSource(svid, trust), id -> true)).build();
        try {
            return CertificateAuthorityGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .watchTrustBundle(WatchTrustBundleRequest.getDefaultInstance()).next().getBundle();
        } finally {
            channel.shutdownNow();
        }
    }

    private static void callAs(CaServer server, X509Svid svid, X509Bundle trust) {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort())
                .sslContext(TlsContexts.grpcClient(new StaticSvidSource(svid, trust), id -> true)).build();
        try {
            CertificateAuthorityGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .getTrustBundle(GetTrustBundleRequest.getDefaultInstance());
        } finally {
            channel.shutdownNow();
        }
    }

    /** A leaf signed with the stolen intermediate key, for a workload ID, with the attacker's own key. */
    private static X509Certificate forge(SigningAuthority stolen, String id) throws Exception {
        KeyPair key = Csrs.ec("secp256r1");
        Instant now = Instant.now();
        var builder = new JcaX509v3CertificateBuilder(stolen.name(), BigInteger.valueOf(now.toEpochMilli()),
                Date.from(now.minus(1, ChronoUnit.MINUTES)), Date.from(now.plus(1, ChronoUnit.HOURS)), new X500Name("O=meshid"),
                key.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        builder.addExtension(Extension.subjectAlternativeName, false,
                new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, id)));
        return new JcaX509CertificateConverter().getCertificate(builder.build(stolen.signer().contentSigner()));
    }

    private static List<X509Certificate> parse(List<ByteString> ders) throws Exception {
        List<X509Certificate> out = new ArrayList<>();
        for (ByteString der : ders) {
            out.add(parse(der));
        }
        return out;
    }

    private static X509Certificate parse(ByteString der) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der.toByteArray()));
    }
}
