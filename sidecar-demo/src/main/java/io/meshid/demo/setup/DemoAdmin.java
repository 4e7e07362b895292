package io.meshid.demo.setup;

import com.google.protobuf.Duration;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.tls.SvidSource;
import io.meshid.common.tls.TlsContexts;
import io.meshid.proto.identity.v1.CreateEntryRequest;
import io.meshid.proto.identity.v1.CreateJoinTokenRequest;
import io.meshid.proto.identity.v1.ListEntriesRequest;
import io.meshid.proto.identity.v1.RegistrationEntry;
import io.meshid.proto.identity.v1.RegistryServiceGrpc;
import io.meshid.proto.policy.v1.GetPolicySetRequest;
import io.meshid.proto.policy.v1.PolicyAdminServiceGrpc;
import io.meshid.proto.policy.v1.PolicySetSource;
import io.meshid.proto.policy.v1.PutPolicySetRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the demo needs from the control plane, done as the dev admin over mutual TLS: a
 * registration entry per workload (reused when it exists), a fresh single-use join token for each
 * sidecar, and the demo policies added to the trust domain's active policy set when they are not
 * in it yet.
 */
final class DemoAdmin implements AutoCloseable {

    /** The @id every demo policy starts with: their presence in the active set means "already added". */
    static final String POLICY_ID_PREFIX = "@id(\"demo-";

    private final TrustDomain trustDomain;
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final RegistryServiceGrpc.RegistryServiceBlockingStub registry;
    private final PolicyAdminServiceGrpc.PolicyAdminServiceBlockingStub policies;

    DemoAdmin(SvidSource admin, TrustDomain trustDomain, String identityServer, String policyServer) {
        this.trustDomain = trustDomain;
        this.registry = RegistryServiceGrpc.newBlockingStub(channel(admin, identityServer, server("identity-server")));
        this.policies = PolicyAdminServiceGrpc.newBlockingStub(channel(admin, policyServer, server("policy-server")));
    }

    /** A new join token for the entry of {@code spiffeId}, creating the entry when there is none. */
    String joinToken(SpiffeId spiffeId) {
        var listed = registry.withDeadlineAfter(30, TimeUnit.SECONDS).listEntries(ListEntriesRequest.newBuilder()
                .setTrustDomain(trustDomain.name()).setSpiffeId(spiffeId.toString()).build()).getEntriesList();
        RegistrationEntry entry = listed.isEmpty()
                ? registry.withDeadlineAfter(30, TimeUnit.SECONDS).createEntry(CreateEntryRequest.newBuilder()
                        .setSpiffeId(spiffeId.toString()).build()).getEntry()
                : listed.getFirst();
        return registry.withDeadlineAfter(30, TimeUnit.SECONDS).createJoinToken(CreateJoinTokenRequest.newBuilder()
                .setEntryId(entry.getId()).setTtl(Duration.newBuilder().setSeconds(600)).build()).getToken();
    }

    /**
     * Appends {@code demoPolicies} to the active set unless it already holds a demo policy; returns
     * what was done, for the log. A set whose schema cannot take them (not the starter schema) is
     * refused by policy-server: that is reported, and the demo's calls are then all denied.
     */
    String addPolicies(String demoPolicies) {
        try {
            var active = policies.withDeadlineAfter(30, TimeUnit.SECONDS)
                    .getPolicySet(GetPolicySetRequest.newBuilder().setTrustDomain(trustDomain.name()).build()).getPolicySet();
            PolicySetSource source = active.getSource();
            if (source.getPolicies().contains(POLICY_ID_PREFIX)) {
                return "the demo policies are in the active policy set (version " + active.getVersion().getVersion() + ")";
            }
            var put = policies.withDeadlineAfter(30, TimeUnit.SECONDS).putPolicySet(PutPolicySetRequest.newBuilder()
                    .setTrustDomain(trustDomain.name())
                    .setSource(source.toBuilder().setPolicies(source.getPolicies() + demoPolicies))
                    .setComment("./meshid dev: the sidecar demo's policies (docs/sidecar.md)").build());
            return "added the demo policies to the active policy set: version " + put.getVersion().getVersion();
        } catch (StatusRuntimeException e) {
            return "could not add the demo policies (" + e.getStatus().getCode() + ": " + e.getStatus().getDescription()
                    + "); the demo's calls will be denied";
        }
    }

    private SpiffeId server(String name) {
        return SpiffeId.of(trustDomain, "/meshid/" + name);
    }

    private ManagedChannel channel(SvidSource admin, String address, SpiffeId server) {
        int colon = address.lastIndexOf(':');
        ManagedChannel c = NettyChannelBuilder.forAddress(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)))
                .sslContext(TlsContexts.grpcClient(admin, server::equals)).build();
        channels.add(c);
        return c;
    }

    @Override
    public void close() {
        channels.forEach(ManagedChannel::shutdownNow);
    }
}
