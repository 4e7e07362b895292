package io.meshid.policy.grpc;

import io.grpc.stub.StreamObserver;
import io.meshid.common.authz.Grant;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.policy.store.PolicySetInvalidException;
import io.meshid.policy.store.PolicyStore;
import io.meshid.policy.store.StoredPolicySet;
import io.meshid.policy.store.VersionInfo;
import io.meshid.policy.store.VersionMismatchException;
import io.meshid.policy.validation.ValidationReport;
import io.meshid.proto.policy.v1.GetPolicySetRequest;
import io.meshid.proto.policy.v1.GetPolicySetResponse;
import io.meshid.proto.policy.v1.ListPolicyVersionsRequest;
import io.meshid.proto.policy.v1.ListPolicyVersionsResponse;
import io.meshid.proto.policy.v1.PolicyAdminServiceGrpc.PolicyAdminServiceImplBase;
import io.meshid.proto.policy.v1.PolicySet;
import io.meshid.proto.policy.v1.PutPolicySetRequest;
import io.meshid.proto.policy.v1.PutPolicySetResponse;
import io.meshid.proto.policy.v1.RollbackRequest;
import io.meshid.proto.policy.v1.RollbackResponse;
import io.meshid.proto.policy.v1.ValidatePolicySetRequest;
import io.meshid.proto.policy.v1.ValidatePolicySetResponse;
import jakarta.inject.Singleton;
import java.util.OptionalLong;

/**
 * The {@code meshid.policy.v1.PolicyAdminService} gRPC service (admins of the trust domain only,
 * by {@link PolicyAuthorization}'s table and the scoping here):
 * puts, validates, reads, lists and rolls back versions of a trust domain's policy set through
 * the {@link PolicyStore}. A refused policy set and a stale expected version are answered with
 * the status details of policy_admin.proto ({@link PolicyAdminErrors}); every other failure is a
 * {@link io.meshid.common.errors.MeshidException} mapped by the error interceptor.
 */
@Singleton
final class PolicyAdminServiceEndpoint extends PolicyAdminServiceImplBase {

    private final PolicyStore store;

    PolicyAdminServiceEndpoint(PolicyStore store) {
        this.store = store;
    }

    /** The admin the table let in ({@link PolicyAuthorization}), who must be of {@code domain}. */
    private static SpiffeId adminOf(TrustDomain domain, String action) {
        return Grant.current().requireMemberOf(domain, action);
    }

    @Override
    public void putPolicySet(PutPolicySetRequest request, StreamObserver<PutPolicySetResponse> response) {
        TrustDomain domain = PolicyAdminMessages.trustDomain(request.getTrustDomain());
        SpiffeId admin = adminOf(domain, "change policies");
        var source = PolicyAdminMessages.source(request.hasSource(), request.getSource());
        OptionalLong expected = request.hasExpectedVersion() ? OptionalLong.of(request.getExpectedVersion()) : OptionalLong.empty();
        PolicyStore.PutResult result;
        try {
            result = store.put(new PolicyStore.PutParams(domain, source, request.getComment(), admin, expected, request.getShadow()));
        } catch (PolicySetInvalidException e) {
            response.onError(PolicyAdminErrors.invalid(e));
            return;
        } catch (VersionMismatchException e) {
            response.onError(PolicyAdminErrors.mismatch(e));
            return;
        }
        response.onNext(PutPolicySetResponse.newBuilder().setVersion(PolicyAdminMessages.version(result.version()))
                .addAllWarnings(PolicyAdminMessages.errors(result.warnings())).build());
        response.onCompleted();
    }

    @Override
    public void validatePolicySet(ValidatePolicySetRequest request, StreamObserver<ValidatePolicySetResponse> response) {
        TrustDomain domain = PolicyAdminMessages.trustDomain(request.getTrustDomain());
        adminOf(domain, "validate policies");
        ValidationReport report = store.validate(PolicyAdminMessages.source(request.hasSource(), request.getSource()));
        response.onNext(ValidatePolicySetResponse.newBuilder().setValid(report.valid())
                .addAllErrors(PolicyAdminMessages.errors(report.errors()))
                .addAllWarnings(PolicyAdminMessages.errors(report.warnings())).build());
        response.onCompleted();
    }

    @Override
    public void getPolicySet(GetPolicySetRequest request, StreamObserver<GetPolicySetResponse> response) {
        TrustDomain domain = PolicyAdminMessages.trustDomain(request.getTrustDomain());
        adminOf(domain, "read policies");
        OptionalLong version = request.hasVersion() ? OptionalLong.of(request.getVersion()) : OptionalLong.empty();
        StoredPolicySet stored = store.get(domain, version, request.getShadow());
        response.onNext(GetPolicySetResponse.newBuilder().setPolicySet(PolicySet.newBuilder()
                .setVersion(PolicyAdminMessages.version(stored.info()))
                .setSource(PolicyAdminMessages.source(stored.source()))).build());
        response.onCompleted();
    }

    @Override
    public void listPolicyVersions(ListPolicyVersionsRequest request, StreamObserver<ListPolicyVersionsResponse> response) {
        TrustDomain domain = PolicyAdminMessages.trustDomain(request.getTrustDomain());
        adminOf(domain, "list policy versions");
        PolicyStore.VersionPage page = store.list(domain, request.getPageSize(), request.getPageToken());
        var reply = ListPolicyVersionsResponse.newBuilder()
                .setActiveVersion(page.activeVersion())
                .setShadowVersion(page.shadowVersion())
                .setNextPageToken(page.nextPageToken().orElse(""));
        page.versions().forEach(v -> reply.addVersions(PolicyAdminMessages.version(v)));
        response.onNext(reply.build());
        response.onCompleted();
    }

    @Override
    public void rollback(RollbackRequest request, StreamObserver<RollbackResponse> response) {
        TrustDomain domain = PolicyAdminMessages.trustDomain(request.getTrustDomain());
        SpiffeId admin = adminOf(domain, "roll back policies");
        OptionalLong expected = request.hasExpectedVersion() ? OptionalLong.of(request.getExpectedVersion()) : OptionalLong.empty();
        VersionInfo version;
        try {
            version = store.rollback(new PolicyStore.RollbackParams(domain, request.getTargetVersion(), request.getComment(), admin,
                    expected));
        } catch (VersionMismatchException e) {
            response.onError(PolicyAdminErrors.mismatch(e));
            return;
        }
        response.onNext(RollbackResponse.newBuilder().setVersion(PolicyAdminMessages.version(version)).build());
        response.onCompleted();
    }
}
