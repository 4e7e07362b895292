package io.meshid.sidecar.proxy.outbound;

import io.meshid.common.tls.SvidSource;
import io.meshid.sidecar.proxy.Admission;
import io.meshid.sidecar.proxy.Gate;
import io.meshid.sidecar.proxy.SidecarTls;
import io.meshid.sidecar.proxy.Upstream;
import io.meshid.sidecar.revocation.RevocationList;
import io.meshid.sidecar.route.Route;
import io.meshid.sidecar.route.RouteTable;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The outbound listener's gate: the request's {@code Host} picks a route; the request goes over
 * mutual TLS to that route's sidecar, which must present the route's SPIFFE ID (checked in the
 * handshake, before any byte of the request is sent), whose SVID is not revoked (checked in the
 * handshake and again before each request on an open connection). No route: 404, never a plaintext or
 * guessed destination. Thread-safe.
 */
final class OutboundGate implements Gate {

    /** Per route name, the answer to its requests: made once (callers only read it). */
    private final Map<String, CompletableFuture<Admission>> forwards = new HashMap<>();
    private final RouteTable routes;
    private final RevocationList revocations;

    OutboundGate(RouteTable routes, SvidSource source, Clock clock, RevocationList revocations) {
        this.routes = routes;
        this.revocations = revocations;
        for (Route route : routes.routes()) {
            forwards.put(route.name(), CompletableFuture.completedFuture(Admission.forward(new Upstream(route.name(),
                    new InetSocketAddress(route.host(), route.port()),
                    SidecarTls.client(source, id -> id.equals(route.expectedId()), clock, revocations, false),
                    SidecarTls.client(source, id -> id.equals(route.expectedId()), clock, revocations, true), route.name(),
                    revocations))));
        }
    }

    @Override
    public CompletionStage<Admission> admit(Channel downstream, HttpRequest request, String requestId) {
        String host = request.headers().get(HttpHeaderNames.HOST);
        Optional<Route> route = routes.lookup(host);
        if (route.isEmpty()) {
            return CompletableFuture.completedFuture(Admission.refuse(HttpResponseStatus.NOT_FOUND,
                    "no route for host \"" + (host == null ? "" : host.length() > 64 ? host.substring(0, 64) : host)
                            + "\" (expected: one of the configured service names)"));
        }
        return forwards.get(route.get().name());
    }

    @Override
    public Optional<String> tunnelRefusal(Channel downstream, Channel upstream) {
        // An HTTP/2 upstream is a stream of the pooled connection that did the handshake.
        Channel connection = upstream instanceof Http2StreamChannel stream ? stream.parent() : upstream;
        SslHandler tls = connection == null ? null : connection.pipeline().get(SslHandler.class);
        if (tls == null) {
            return Optional.of("the tunnel has no verified target");
        }
        List<X509Certificate> chain = SidecarTls.peerChain(tls.engine().getSession());
        return chain.isEmpty() ? Optional.of("the tunnel has no verified target") : revocations.refusal(chain);
    }
}
