package io.meshid.identity.http.oauth;

import io.meshid.common.server.RequestIds;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The bridge's two hot endpoints ({@code POST /oauth2/token} and {@code /oauth2/introspect}) served
 * on the connection's event loop without Micronaut's routing, filter chain and argument binding,
 * which cost more CPU per request than the bridge's own work (docs/benchmarks.md, "OAuth bridge").
 * It sits in each HTTP/1.1 connection's pipeline right before Micronaut's handler and takes a
 * request only when all of these hold: POST to exactly one of the two paths, HTTP/1.1 keep-alive,
 * a {@code Content-Length} body of at most {@link BridgeRequests#MAX_BODY} bytes (no chunks, no
 * {@code Expect}, no upgrade), and no earlier request of the connection still waiting for
 * Micronaut's reply (so replies keep the requests' order). It then runs exactly what the
 * controller runs ({@link BridgeRequests#inline} with {@link TokenEndpoints#step}: rate limit,
 * content type, strict form, client authentication, the grant or introspection, audit), and
 * replies with the headers Micronaut's filters would add ({@link RequestIdFilter}'s
 * {@code X-Request-Id}, {@link SecurityHeadersFilter}'s, {@code Date}) and records the same
 * {@code http.server.requests} timer. A request that needs more than memory (see
 * {@link BridgeRequests}) is handed to Micronaut unchanged, body included, as is every other
 * request. One instance per connection; used only on its event loop.
 */
final class FastBridgeHandler extends ChannelDuplexHandler {

    private static final DateTimeFormatter DATE = DateTimeFormatter.RFC_1123_DATE_TIME;
    private static volatile long dateSecond;
    private static volatile String dateText = "";

    /** How long a token request waits for the audit trail to catch up before it is answered anyway (then 503). */
    static final Duration MAX_AUDIT_WAIT = Duration.ofSeconds(1);
    private static final long RECHECK_MICROS = 500;

    /**
     * What the handlers of all connections share; {@code auditBehind} says when the audit trail's
     * queue is more than half full ({@link io.meshid.common.audit.AuditLog#behind}).
     */
    record Shared(BridgeRequests requests, TokenEndpoints endpoints, MeterRegistry meters, BooleanSupplier auditBehind,
            Map<String, Timer> timers) {
        Shared(BridgeRequests requests, TokenEndpoints endpoints, MeterRegistry meters, BooleanSupplier auditBehind) {
            this(requests, endpoints, meters, auditBehind, new ConcurrentHashMap<>());
        }
    }

    private final Shared shared;
    /** Requests handed to Micronaut whose reply has not been written completely. */
    private int pending;
    /** The request whose body is being read, or null. */
    private HttpRequest request;
    private BridgeRequests.Kind kind;
    private ByteBuf body;
    private boolean wrote;
    /** A token request held back while the audit trail catches up: the connection reads nothing more meanwhile. */
    private boolean waiting;
    /** Messages decoded from what was already read while {@link #waiting}, handled in order afterwards. */
    private final ArrayDeque<Object> held = new ArrayDeque<>();
    /** A read asked for downstream while {@link #waiting}: passed on once the request is answered. */
    private boolean readAsked;
    private boolean closed;

    FastBridgeHandler(Shared shared) {
        this.shared = shared;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (waiting) {
            held.add(msg);
            return;
        }
        if (request != null && msg instanceof HttpContent content) {
            ByteBuf part = content.content();
            if (body.readableBytes() + part.readableBytes() > BridgeRequests.MAX_BODY) {
                // More than Content-Length said: the codec would not do this; Micronaut answers it.
                pass(ctx, msg);
                return;
            }
            body.writeBytes(part);
            content.release();
            if (msg instanceof LastHttpContent) {
                finish(ctx);
            }
            return;
        }
        if (msg instanceof HttpRequest r && !(msg instanceof FullHttpRequest) && pending == 0 && request == null) {
            BridgeRequests.Kind k = kind(r);
            int length = k == null ? -1 : length(r.headers());
            if (length >= 0) {
                request = r;
                kind = k;
                body = ctx.alloc().heapBuffer(length);
                return;
            }
        }
        if (msg instanceof HttpRequest) {
            pending++;
        }
        ctx.fireChannelRead(msg);
    }

    /** The endpoint of an eligible request line and headers, else null. */
    private static BridgeRequests.Kind kind(HttpRequest r) {
        if (!r.decoderResult().isSuccess() || r.method() != HttpMethod.POST || r.protocolVersion() != HttpVersion.HTTP_1_1) {
            return null;
        }
        BridgeRequests.Kind k = switch (r.uri()) {
            case TokenEndpoints.TOKEN -> BridgeRequests.Kind.TOKEN;
            case TokenEndpoints.INTROSPECT -> BridgeRequests.Kind.INTROSPECT;
            default -> null;
        };
        HttpHeaders h = r.headers();
        if (k == null || h.contains(HttpHeaderNames.TRANSFER_ENCODING) || h.contains(HttpHeaderNames.EXPECT)
                || h.contains(HttpHeaderNames.UPGRADE)) {
            return null;
        }
        String connection = h.get(HttpHeaderNames.CONNECTION);
        return connection == null || connection.equalsIgnoreCase("keep-alive") ? k : null;
    }

    /** The body's declared length when it is one value within the limit, else -1. */
    private static int length(HttpHeaders h) {
        List<String> values = h.getAll(HttpHeaderNames.CONTENT_LENGTH);
        if (values.size() != 1) {
            return -1;
        }
        String v = values.get(0);
        if (v.isEmpty() || v.length() > 6) {
            return -1;
        }
        int n = 0;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n <= BridgeRequests.MAX_BODY ? n : -1;
    }

    /** Gives Micronaut the request being read, what was read of its body and {@code msg}. */
    private void pass(ChannelHandlerContext ctx, Object msg) {
        HttpRequest r = request;
        ByteBuf b = body;
        request = null;
        body = null;
        pending++;
        ctx.fireChannelRead(r);
        ctx.fireChannelRead(new io.netty.handler.codec.http.DefaultHttpContent(b));
        ctx.fireChannelRead(msg);
    }

    private void finish(ChannelHandlerContext ctx) {
        HttpRequest r = request;
        ByteBuf b = body;
        BridgeRequests.Kind k = kind;
        request = null;
        body = null;
        if (k == BridgeRequests.Kind.TOKEN && shared.auditBehind().getAsBoolean()) {
            // Every token issued is audited first; with the audit queue half full, taking more would
            // soon be refused (503). Back-pressure instead: this connection reads nothing more until
            // the trail has room (re-checked every RECHECK_MICROS), for at most MAX_AUDIT_WAIT.
            waiting = true;
            awaitAudit(ctx, r, b, ctx.executor().ticker().nanoTime());
            return;
        }
        answer(ctx, r, b, k);
    }

    private void awaitAudit(ChannelHandlerContext ctx, HttpRequest r, ByteBuf b, long since) {
        ctx.executor().schedule(() -> {
            if (closed) {
                b.release();
                return;
            }
            if (shared.auditBehind().getAsBoolean() && ctx.executor().ticker().nanoTime() - since < MAX_AUDIT_WAIT.toNanos()) {
                awaitAudit(ctx, r, b, since);
                return;
            }
            waiting = false;
            answer(ctx, r, b, BridgeRequests.Kind.TOKEN);
            while (!waiting && !held.isEmpty()) {
                channelRead(ctx, held.poll());
            }
            if (!waiting) {
                channelReadComplete(ctx);
                if (readAsked) {
                    // Micronaut asked while we waited and will not ask again: a lost read would stall the connection.
                    readAsked = false;
                    ctx.read();
                }
            }
        }, RECHECK_MICROS, TimeUnit.MICROSECONDS);
    }

    private void answer(ChannelHandlerContext ctx, HttpRequest r, ByteBuf b, BridgeRequests.Kind k) {
        long start = System.nanoTime();
        String requestId = RequestIds.acceptOrCreate(r.headers().get(RequestIdFilter.HEADER));
        OAuthReplies.Reply reply = shared.requests().inline(new Incoming(r.headers(), ctx, requestId),
                b.toString(StandardCharsets.UTF_8), k, shared.endpoints().step(k));
        if (reply == null) {
            // Needs more than memory: Micronaut's controller runs it on the blocking executor.
            pending++;
            ctx.fireChannelRead(r);
            ctx.fireChannelRead(new DefaultLastHttpContent(b));
            return;
        }
        b.release();
        String text = reply.body();
        FullHttpResponse out = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(reply.status()),
                text == null ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.UTF_8)));
        HttpHeaders headers = out.headers();
        List<String> replyHeaders = reply.headers();
        for (int i = 0; i < replyHeaders.size(); i += 2) {
            headers.add(replyHeaders.get(i), replyHeaders.get(i + 1));
        }
        SecurityHeadersFilter.apply(reply.header("Cache-Control") != null, headers::add);
        headers.set(RequestIdFilter.HEADER, requestId);
        headers.set(HttpHeaderNames.DATE, date());
        headers.set(HttpHeaderNames.CONTENT_LENGTH, out.content().readableBytes());
        ctx.write(out, ctx.voidPromise());
        wrote = true;
        record(r.uri(), reply.status(), System.nanoTime() - start);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (waiting) {
            ctx.fireChannelReadComplete();
            return;
        }
        if (wrote) {
            wrote = false;
            ctx.flush();
            if (!ctx.channel().config().isAutoRead()) {
                ctx.read();
            }
        }
        ctx.fireChannelReadComplete();
    }

    /** Reads asked for downstream (by Micronaut) wait while a request waits, and are passed on when it is answered. */
    @Override
    public void read(ChannelHandlerContext ctx) {
        if (waiting) {
            readAsked = true;
        } else {
            ctx.read();
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        // A 100 Continue is not the reply: only a final one completes a request handed to Micronaut.
        boolean interim = msg instanceof io.netty.handler.codec.http.HttpResponse r
                && r.status().codeClass() == io.netty.handler.codec.http.HttpStatusClass.INFORMATIONAL;
        if (msg instanceof LastHttpContent && !interim && pending > 0) {
            pending--;
        }
        ctx.write(msg, promise);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        closed = true;
        if (body != null) {
            body.release();
            body = null;
        }
        while (!held.isEmpty()) {
            ReferenceCountUtil.release(held.poll());
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        handlerRemoved(ctx);
        ctx.fireChannelInactive();
    }

    /** As Micronaut's server metrics filter: {@code http.server.requests} by method, status, uri, exception. */
    private void record(String uri, int status, long nanos) {
        MeterRegistry meters = shared.meters();
        if (meters == null) {
            return;
        }
        String key = uri + ' ' + status;
        Timer timer = shared.timers().get(key);
        if (timer == null) {
            timer = shared.timers().computeIfAbsent(key, x -> Timer.builder("http.server.requests").tags("method", "POST", "status",
                    Integer.toString(status), "uri", status == 401 ? "UNAUTHORIZED" : uri, "exception", "none").register(meters));
        }
        timer.record(nanos, TimeUnit.NANOSECONDS);
    }

    private static String date() {
        long now = System.currentTimeMillis() / 1000;
        if (now != dateSecond) {
            dateText = DATE.format(ZonedDateTime.now(ZoneOffset.UTC));
            dateSecond = now;
        }
        return dateText;
    }

    /** The request as the bridge's steps read it. */
    private record Incoming(HttpHeaders headers, ChannelHandlerContext ctx, String requestId) implements BridgeRequests.Incoming {

        @Override
        public String header(CharSequence name) {
            return headers.get(name);
        }

        @Override
        public String source() {
            return ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress().getHostAddress();
        }

        @Override
        public Optional<X509Certificate> certificate() {
            SslHandler ssl = ctx.pipeline().get(SslHandler.class);
            if (ssl == null) {
                return Optional.empty();
            }
            try {
                SSLSession session = ssl.engine().getSession();
                Certificate[] chain = session.getPeerCertificates();
                return chain.length > 0 && chain[0] instanceof X509Certificate x ? Optional.of(x) : Optional.empty();
            } catch (SSLPeerUnverifiedException e) {
                return Optional.empty();
            }
        }

        @Override
        public InetSocketAddress serverAddress() {
            return (InetSocketAddress) ctx.channel().localAddress();
        }

        @Override
        public boolean secure() {
            return ctx.pipeline().get(SslHandler.class) != null;
        }
    }
}
