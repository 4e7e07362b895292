package io.meshid.sidecar.proxy.inbound;

import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.tls.SvidSource;
import io.meshid.sidecar.decision.CheckInput;
import io.meshid.sidecar.decision.Decider;
import io.meshid.sidecar.decision.Verdict;
import io.meshid.sidecar.proxy.Admission;
import io.meshid.sidecar.proxy.Gate;
import io.meshid.sidecar.proxy.IdentityHeaders;
import io.meshid.sidecar.proxy.Upstream;
import io.meshid.sidecar.revocation.RevocationList;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.Http2StreamChannel;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inbound listener's gate: asks the {@link Decider} about the verified peer, the method (or
 * gRPC full method), the path, this workload as the resource, the configured context headers and
 * the source address, after checking that the connection's peer SVID has neither expired nor been
 * revoked since the handshake (else 403 and the connection closes); forwards an allowed request to the workload with
 * {@code x-forwarded-client-cert: By=<own>;URI=<peer>}; answers 403 with the request id otherwise.
 * Thread-safe.
 */
final class InboundGate implements Gate {

    private static final Logger LOG = LoggerFactory.getLogger(InboundGate.class);

    private static final io.netty.util.AttributeKey<String> SOURCE_ADDRESS =
            io.netty.util.AttributeKey.valueOf("meshid.source-address");
    private static final io.netty.util.AttributeKey<Xfcc> XFCC = io.netty.util.AttributeKey.valueOf("meshid.xfcc");

    /** A connection's {@code x-forwarded-client-cert} value, made once (the peer is the connection's). */
    private record Xfcc(SpiffeId own, io.netty.util.AsciiString value) {
    }

    private final SvidSource source;
    private final Decider decider;
    private final Upstream workload;
    private final List<String> contextHeaders;
    private final RevocationList revocations;
    /** The answer to every allowed request, made once (callers only read it). */
    private final CompletableFuture<Admission> forward;

    InboundGate(SvidSource source, Decider decider, InetSocketAddress workload, List<String> contextHeaders,
            RevocationList revocations) {
        this.source = source;
        this.revocations = revocations;
        this.decider = decider;
        this.workload = Upstream.plaintext("workload", workload);
        this.forward = CompletableFuture.completedFuture(Admission.forward(this.workload));
        this.contextHeaders = List.copyOf(contextHeaders);
    }

    @Override
    public CompletionStage<Admission> admit(Channel downstream, HttpRequest request, String requestId) {
        // An HTTP/2 stream's channel is a child of the connection that holds the verified identity.
        Channel connection = downstream instanceof Http2StreamChannel stream ? stream.parent() : downstream;
        SpiffeId peer = connection.attr(PeerIdentity.PEER).get();
        if (peer == null) {
            return CompletableFuture.completedFuture(Admission.refuse(HttpResponseStatus.FORBIDDEN,
                    "no verified peer identity"));
        }
        // The handshake checked the chain; the connection may have outlived its expiry or its revocation.
        List<X509Certificate> chain = connection.attr(PeerIdentity.PEER_CHAIN).get();
        Optional<String> refusal = chain == null ? Optional.of("no verified peer certificate") : revocations.refusal(chain);
        if (refusal.isPresent()) {
            LOG.info("request {} from {} refused, connection closed: {}", requestId, peer, refusal.get());
            return CompletableFuture.completedFuture(Admission.refuseAndClose(HttpResponseStatus.FORBIDDEN,
                    "refused: " + refusal.get()));
        }
        SpiffeId own = source.svid().spiffeId();
        String uri = request.uri();
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        if (path.length() > 4096) {
            return CompletableFuture.completedFuture(Admission.refuse(HttpResponseStatus.REQUEST_URI_TOO_LONG,
                    "path longer than 4096 bytes"));
        }
        String action = isGrpc(request) ? path : request.method().name();
        Map<String, String> headers = contextHeaders.isEmpty() ? Map.of() : new HashMap<>();
        for (String name : contextHeaders) {
            List<String> values = request.headers().getAll(name);
            if (!values.isEmpty()) {
                String joined = String.join(",", values);
                headers.put(name, joined.length() > 4096 ? joined.substring(0, 4096) : joined);
            }
        }
        String sourceAddress = connection.attr(SOURCE_ADDRESS).get();
        if (sourceAddress == null) {
            // once per connection: the text form of the address is made anew on every call
            sourceAddress = connection.remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null
                    ? a.getAddress().getHostAddress() : "";
            connection.attr(SOURCE_ADDRESS).set(sourceAddress);
        }
        CheckInput input = new CheckInput(peer, action.length() > 256 ? action.substring(0, 256) : action, own, path,
                headers, sourceAddress);
        Xfcc xfcc = connection.attr(XFCC).get();
        if (xfcc == null || !xfcc.own().equals(own)) {
            xfcc = new Xfcc(own, IdentityHeaders.xfcc(own, peer));
            connection.attr(XFCC).set(xfcc);
        }
        IdentityHeaders.setXfcc(request.headers(), xfcc.value());
        CompletionStage<Verdict> deciding = decider.decide(input, requestId);
        if (deciding instanceof CompletableFuture<Verdict> decided && decided.isDone()
                && !decided.isCompletedExceptionally() && decided.getNow(null).allowed()) {
            return forward; // a cached allow: no stage, no lambda per request
        }
        return deciding.thenApply(verdict -> {
            if (verdict.allowed()) {
                return Admission.forward(workload);
            }
            LOG.info("request {} from {}: {} {} denied ({})", requestId, peer, request.method(), path, verdict.reason());
            return Admission.refuse(HttpResponseStatus.FORBIDDEN, "denied: " + peer + " may not " + action + " " + path);
        });
    }

    @Override
    public Optional<String> tunnelRefusal(Channel downstream, Channel upstream) {
        return connectionRefusal(downstream instanceof Http2StreamChannel stream ? stream.parent() : downstream);
    }

    @Override
    public Optional<String> connectionRefusal(Channel connection) {
        List<X509Certificate> chain = connection.attr(PeerIdentity.PEER_CHAIN).get();
        return chain == null ? Optional.of("no verified peer certificate") : revocations.refusal(chain);
    }

    private static boolean isGrpc(HttpRequest request) {
        String type = request.headers().get("content-type");
        return type != null && type.startsWith("application/grpc");
    }
}
