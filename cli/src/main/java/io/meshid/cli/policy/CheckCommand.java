package io.meshid.cli.policy;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import com.google.rpc.Code;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.meshid.cli.CliException;
import io.meshid.cli.Output;
import io.meshid.cli.ServerCommand;
import io.meshid.cli.ServerKind;
import io.meshid.cli.Session;
import io.meshid.proto.policy.v1.CheckRequest;
import io.meshid.proto.policy.v1.CheckResponse;
import io.meshid.proto.policy.v1.EvaluationError;
import io.meshid.proto.policy.v1.PolicyServiceGrpc;
import io.meshid.proto.policy.v1.RequestContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code meshctl policy check}: one decision from policy-server, asked through meshid's
 * {@code PolicyService.Check} or, with {@code --envoy}, through Envoy's ext_authz
 * ({@code envoy.service.auth.v3.Authorization/Check}) as an Envoy sidecar asks it. With
 * {@code --exit-code} a deny exits with {@link #DENIED}, so scripts can test a decision.
 */
@Command(name = "check", description = "One decision, with its determining policies and errors (PolicyService.Check), "
        + "or as Envoy ext_authz answers it (--envoy).")
final class CheckCommand extends ServerCommand {

    /** The exit code of a deny under {@code --exit-code}; 1 stays "the call failed". */
    static final int DENIED = 3;

    @Option(names = "--principal", required = true, paramLabel = "SPIFFE_ID", description = "Who asks.")
    String principal;

    @Option(names = "--action", required = true, paramLabel = "ACTION",
            description = "What it does: an HTTP method such as GET, or a gRPC full method such as /pkg.Service/Method.")
    String action;

    @Option(names = "--resource", required = true, paramLabel = "SPIFFE_ID", description = "The service it calls.")
    String resource;

    @Option(names = "--path", paramLabel = "PATH", description = "The request path, for context.path.")
    String path = "";

    @Option(names = "--context", paramLabel = "JSON", description = "Extra context attributes as a JSON object (not with --envoy).")
    String context;

    @Option(names = "--header", paramLabel = "NAME=VALUE", description = "A request header (with --envoy; policy-server keeps "
            + "only those in meshid.policy.context-headers).")
    List<String> headers = new ArrayList<>();

    @Option(names = "--envoy", description = "Ask as Envoy's ext_authz filter does (envoy.service.auth.v3.Authorization/Check): "
            + "the principals as source and destination, the action as the HTTP method, or as the path with content-type "
            + "application/grpc when it starts with '/'.")
    boolean envoy;

    @Option(names = "--exit-code", description = "Exit with " + DENIED + " when the decision is a deny (0 when allowed; 1 stays "
            + "a failed call).")
    boolean exitCode;

    @Override
    protected int run(Session session, Output out) {
        if (action.isBlank()) {
            throw CliException.usage("--action: empty (expected: an HTTP method such as GET, or a gRPC method such as "
                    + "/pkg.Service/Method)");
        }
        boolean allowed = envoy ? envoy(session, out) : meshid(session, out);
        return allowed || !exitCode ? 0 : DENIED;
    }

    private boolean meshid(Session session, Output out) {
        if (!headers.isEmpty()) {
            throw CliException.usage("--header without --envoy (expected: --envoy, or --context for attributes; "
                    + "PolicyService.Check takes the headers a sidecar chose in its context)");
        }
        RequestContext.Builder ctx = RequestContext.newBuilder().setPath(path);
        if (context != null) {
            Struct.Builder attributes = Struct.newBuilder();
            try {
                JsonFormat.parser().merge(context, attributes);
            } catch (InvalidProtocolBufferException e) {
                throw CliException.usage("--context: '" + context + "' is not a JSON object of attributes (expected: such as "
                        + "{\"tenant\": \"acme\"})", e);
            }
            ctx.setAttributes(attributes);
        }
        CheckResponse reply = session.call(ServerKind.POLICY, () -> session.stub(ServerKind.POLICY,
                PolicyServiceGrpc::newBlockingStub).check(CheckRequest.newBuilder().setPrincipal(principal).setAction(action)
                        .setResource(resource).setContext(ctx).build()));
        boolean allowed = reply.getDecision() == io.meshid.proto.policy.v1.Decision.DECISION_ALLOW;
        if (out.json()) {
            out.json(reply);
            return allowed;
        }
        out.fields(List.of(new String[] {"decision", reply.getDecision().name().replace("DECISION_", "")},
                new String[] {"determining", reply.getDeterminingPolicyIdsCount() == 0 ? "-"
                        : String.join(", ", reply.getDeterminingPolicyIdsList())},
                new String[] {"policy_version", String.valueOf(reply.getPolicyVersion())}));
        for (EvaluationError e : reply.getErrorsList()) {
            out.line("error: " + e.getPolicyId() + ": " + e.getMessage());
        }
        return allowed;
    }

    private boolean envoy(Session session, Output out) {
        if (context != null) {
            throw CliException.usage("--context with --envoy (expected: one of them; Envoy's ext_authz carries no attributes, "
                    + "its context.attributes is always {})");
        }
        var request = envoyRequest(action, principal, resource, path, parseHeaders(headers));
        var reply = session.call(ServerKind.POLICY, () -> session.stub(ServerKind.POLICY, AuthorizationGrpc::newBlockingStub)
                .check(request));
        boolean allowed = reply.getStatus().getCode() == Code.OK_VALUE;
        if (out.json()) {
            out.json(reply);
            return allowed;
        }
        List<String[]> fields = new ArrayList<>();
        fields.add(new String[] {"decision", allowed ? "ALLOW" : "DENY"});
        fields.add(new String[] {"status", Code.forNumber(reply.getStatus().getCode()) == null ? String.valueOf(reply.getStatus().getCode())
                : Code.forNumber(reply.getStatus().getCode()).name()});
        if (reply.hasDeniedResponse()) {
            fields.add(new String[] {"http_status", String.valueOf(reply.getDeniedResponse().getStatus().getCodeValue())});
            for (HeaderValueOption h : reply.getDeniedResponse().getHeadersList()) {
                if (h.getHeader().getKey().equalsIgnoreCase("x-meshid-decision")) {
                    fields.add(new String[] {"reason", h.getHeader().getValue()});
                }
            }
        }
        out.fields(fields);
        return allowed;
    }

    /** The CheckRequest an Envoy sidecar in front of {@code resource} sends for this request. */
    static io.envoyproxy.envoy.service.auth.v3.CheckRequest envoyRequest(String action, String principal, String resource, String path,
            Map<String, String> headers) {
        boolean grpc = action.startsWith("/");
        Map<String, String> all = new LinkedHashMap<>(headers);
        String requestPath = path;
        String method = action;
        if (grpc) {
            // Envoy sees a gRPC call as a POST to the full method with content-type application/grpc.
            if (!path.isEmpty() && !path.equals(action)) {
                throw CliException.usage("--path '" + path + "' with the gRPC action '" + action + "' (expected: no --path; "
                        + "a gRPC call's path is its method)");
            }
            requestPath = action;
            method = "POST";
            all.putIfAbsent("content-type", "application/grpc");
        } else if (requestPath.isEmpty()) {
            requestPath = "/";
        }
        all.putIfAbsent(":path", requestPath);
        all.putIfAbsent(":method", method);
        return io.envoyproxy.envoy.service.auth.v3.CheckRequest.newBuilder().setAttributes(AttributeContext.newBuilder()
                .setSource(AttributeContext.Peer.newBuilder().setPrincipal(principal))
                .setDestination(AttributeContext.Peer.newBuilder().setPrincipal(resource))
                .setRequest(AttributeContext.Request.newBuilder().setHttp(AttributeContext.HttpRequest.newBuilder()
                        .setMethod(method).setPath(requestPath).setProtocol(grpc ? "HTTP/2" : "HTTP/1.1").putAllHeaders(all))))
                .build();
    }

    private static Map<String, String> parseHeaders(List<String> headers) {
        Map<String, String> parsed = new LinkedHashMap<>();
        for (String h : headers) {
            int eq = h.indexOf('=');
            if (eq <= 0) {
                throw CliException.usage("--header '" + h + "' (expected: NAME=VALUE, such as content-type=application/json)");
            }
            parsed.put(h.substring(0, eq).trim().toLowerCase(Locale.ROOT), h.substring(eq + 1));
        }
        return parsed;
    }
}
