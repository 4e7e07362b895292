package io.meshid.policy.grpc;

import com.google.rpc.Code;
import com.google.rpc.Status;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc.AuthorizationImplBase;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.envoyproxy.envoy.service.auth.v3.DeniedHttpResponse;
import io.envoyproxy.envoy.service.auth.v3.OkHttpResponse;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.envoyproxy.envoy.type.v3.StatusCode;
import io.grpc.stub.StreamObserver;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.authz.Grant;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.policy.PolicyConfig;
import io.meshid.policy.decision.CheckOutcome;
import io.meshid.policy.decision.DecisionService;
import io.meshid.policy.mapping.EnvoyRequests;
import jakarta.inject.Singleton;
import java.util.Set;

/**
 * Envoy's {@code envoy.service.auth.v3.Authorization} (ext_authz) on policy-server, so that a
 * stock Envoy ext_authz filter or an Istio {@code CUSTOM} provider asks for decisions with no glue.
 *
 * <p>Allow: {@code status} OK and an {@code ok_response}. Every other outcome is a deny answered
 * in the reply itself (never as a gRPC error, so that Envoy's {@code failure_mode_allow} cannot
 * turn it into an allow): {@code denied_response} with HTTP 403 (503 while the policy store cannot
 * be read) and the reason in the body and in {@code x-meshid-decision}, and {@code status}
 * PERMISSION_DENIED, INVALID_ARGUMENT or UNAVAILABLE. The caller (the Envoy sidecar) must be the
 * destination workload or an admin of its trust domain, as for PolicyService.Check.
 */
@Singleton
final class EnvoyAuthorizationEndpoint extends AuthorizationImplBase {

    static final String REASON_HEADER = "x-meshid-decision";

    private final DecisionService decisions;
    private final Set<String> contextHeaders;

    EnvoyAuthorizationEndpoint(DecisionService decisions, PolicyConfig config) {
        this.decisions = decisions;
        this.contextHeaders = config.getContextHeaders();
    }

    @Override
    public void check(CheckRequest request, StreamObserver<CheckResponse> response) {
        SpiffeId caller = Grant.current().caller();
        CheckResponse reply;
        try {
            CheckOutcome outcome = decisions.check(caller, EnvoyRequests.of(request, contextHeaders));
            reply = outcome.allowed()
                    ? CheckResponse.newBuilder().setStatus(Status.newBuilder().setCode(Code.OK_VALUE))
                            .setOkResponse(OkHttpResponse.getDefaultInstance()).build()
                    : denied(Code.PERMISSION_DENIED, StatusCode.Forbidden, "denied: " + outcome.reason());
        } catch (MeshidException.Unavailable e) {
            reply = denied(Code.UNAVAILABLE, StatusCode.ServiceUnavailable, "denied: policies unavailable");
        } catch (MeshidException.PermissionDenied e) {
            reply = denied(Code.PERMISSION_DENIED, StatusCode.Forbidden, "denied: " + e.getMessage());
        } catch (MeshidException.InvalidArgument e) {
            reply = denied(Code.INVALID_ARGUMENT, StatusCode.Forbidden, "denied: bad request: " + e.getMessage());
        }
        response.onNext(reply);
        response.onCompleted();
    }

    private static CheckResponse denied(Code code, StatusCode http, String reason) {
        String line = reason.replaceAll("[\\p{Cntrl}]", " ");
        if (line.length() > 512) {
            line = line.substring(0, 512);
        }
        return CheckResponse.newBuilder()
                .setStatus(Status.newBuilder().setCode(code.getNumber()).setMessage(line))
                .setDeniedResponse(DeniedHttpResponse.newBuilder()
                        .setStatus(HttpStatus.newBuilder().setCode(http))
                        .addHeaders(HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey(REASON_HEADER).setValue(line)))
                        .addHeaders(HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey("content-type").setValue("text/plain")))
                        .setBody(line + "\n"))
                .build();
    }
}
