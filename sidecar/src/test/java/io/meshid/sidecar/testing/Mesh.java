package io.meshid.sidecar.testing;

import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.revocation.RevokedSerial;
import io.meshid.common.testing.TestPki;
import io.meshid.common.tls.StaticSvidSource;
import io.meshid.sidecar.Sidecar;
import io.meshid.sidecar.config.Limits;
import io.meshid.sidecar.config.PolicyConfig;
import io.meshid.sidecar.config.SidecarConfig;
import io.meshid.sidecar.decision.PolicyDecider;
import io.meshid.sidecar.revocation.RevocationList;
import io.meshid.sidecar.route.Route;
import io.meshid.sidecar.route.RouteTable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * Two workloads of one trust domain, each behind a real sidecar, and a policy-server: app "a" calls
 * service "b" through a's outbound listener and b's inbound listener. Route "impostor" points at
 * b's sidecar but expects another SPIFFE ID. Close it to stop everything. Not thread-safe.
 */
public final class Mesh implements AutoCloseable {

    public final TestPki pki = TestPki.create("example.org");
    public final SpiffeId idA = SpiffeId.parse("spiffe://example.org/ns/demo/sa/a");
    public final SpiffeId idB = SpiffeId.parse("spiffe://example.org/ns/demo/sa/b");
    public final StaticSvidSource sourceA = new StaticSvidSource(pki.svid("/ns/demo/sa/a"), pki.bundle());
    public final StaticSvidSource sourceB = new StaticSvidSource(pki.svid("/ns/demo/sa/b"), pki.bundle());
    public final FakePolicyServer policy;
    /** The clock of both sidecars. */
    public final ShiftedClock clock;
    /** The revocations both sidecars check (loaded, empty); a test revokes with {@link #revoke}. */
    public final RevocationList revocations;
    public final TestWorkload workloadB;
    public final TestWorkload workloadA;
    public final Sidecar sidecarB;
    public final Sidecar sidecarA;

    public Mesh(Limits limits) throws IOException, InterruptedException {
        this(limits, null);
    }

    /** As {@link #Mesh(Limits)}, with b's sidecar forwarding to {@code workloadOverride} instead of {@link #workloadB}. */
    public Mesh(Limits limits, InetSocketAddress workloadOverride) throws IOException, InterruptedException {
        this(limits, workloadOverride, new ShiftedClock());
    }

    /**
     * As {@link #Mesh(Limits, InetSocketAddress)}, with both sidecars (their handshakes, revocation
     * and expiry checks, decision caches) on {@code clock}.
     */
    public Mesh(Limits limits, InetSocketAddress workloadOverride, ShiftedClock clock) throws IOException, InterruptedException {
        this.clock = clock;
        this.revocations = new RevocationList(pki.trustDomain(), clock, RevocationList.DEFAULT_GRACE);
        revocations.update(1, List.of());
        StaticSvidSource policySource = new StaticSvidSource(pki.svid("/meshid/policy-server"), pki.bundle());
        policy = new FakePolicyServer(policySource);
        workloadB = new TestWorkload();
        workloadA = new TestWorkload();
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        PolicyConfig policyConfig = PolicyConfig.of("127.0.0.1", policy.port()).withContextHeaders(List.of("x-tenant"))
                // generous: a cold JVM on a shared machine; a late answer is a deny, which would fail unrelated tests
                .withCheckTimeout(java.time.Duration.ofSeconds(10));
        sidecarB = Sidecar.start(new SidecarConfig(any, workloadOverride != null ? workloadOverride : workloadB.address(), any, RouteTable.of(List.of()),
                policyConfig, limits, 2), sourceB, decider(policyConfig, sourceB), clock, revocations);
        InetSocketAddress bIn = sidecarB.inboundAddress();
        sidecarA = Sidecar.start(new SidecarConfig(any, workloadA.address(), any, RouteTable.of(List.of(
                new Route("b", "127.0.0.1", bIn.getPort(), idB),
                new Route("impostor", "127.0.0.1", bIn.getPort(), SpiffeId.parse("spiffe://example.org/ns/demo/sa/c")))),
                policyConfig, limits, 2), sourceA, decider(policyConfig, sourceA), clock, revocations);
    }

    public Mesh() throws IOException, InterruptedException {
        this(Limits.DEFAULTS);
    }

    private PolicyDecider decider(PolicyConfig config, StaticSvidSource source) {
        return new PolicyDecider(config, source, clock);
    }

    /** Revokes {@code certificates} as a new bundle's CRLs would (replacing what was revoked before). */
    public void revoke(X509Certificate... certificates) {
        List<RevokedSerial> serials = new java.util.ArrayList<>();
        for (X509Certificate c : certificates) {
            serials.add(new RevokedSerial(pki.trustDomain(), c.getSerialNumber(), c.getNotAfter().toInstant()));
        }
        revocations.update(revocations.sequence() + 1, serials);
    }

    /** A raw connection to a's outbound listener. */
    public RawHttp outbound() throws IOException {
        return RawHttp.connect(sidecarA.outboundAddress());
    }

    @Override
    public void close() {
        sidecarA.close();
        sidecarB.close();
        workloadA.close();
        workloadB.close();
        policy.close();
    }
}
