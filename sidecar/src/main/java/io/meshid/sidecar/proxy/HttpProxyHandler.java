package io.meshid.sidecar.proxy;

import io.meshid.sidecar.config.Limits;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP/1.1 proxy of one downstream connection, shared by the inbound and the outbound
 * listener: reads one request head, checks its framing and size, strips identity headers, asks the
 * listener's {@link Gate}, and then streams the request to one upstream connection and the response
 * back, one exchange at a time (keep-alive on both sides; a pipelined request is refused by closing
 * the connection after the current response, which RFC 9112 §9.3.2 lets a client retry).
 *
 * <p>Back-pressure: while the peer's channel is not writable, the other side stops reading, so the
 * sidecar holds at most one read's worth of bytes per direction whatever the speed of either side.
 * A {@code 101 Switching Protocols} answer to an upgrade request (WebSocket) turns the connection
 * into a byte tunnel with the same back-pressure.
 *
 * <p>Bounds: head size and request-line length (431, 414), body size (413 when declared, connection
 * closed when a chunked body grows past it), the time to send a head (408), idle time, the time the
 * upstream takes to answer (504). Lives on one event loop; not thread-safe.
 */
final class HttpProxyHandler extends ChannelDuplexHandler {

    private static final Logger LOG = LoggerFactory.getLogger(HttpProxyHandler.class);

    private static final io.netty.util.AsciiString PROXY_CONNECTION = io.netty.util.AsciiString.cached("proxy-connection");

    /** How long a refused HTTP/2 connection stays open after its GOAWAY (for the answers in flight). */
    static final long GOAWAY_CLOSE_DELAY_MILLIS = 1_000;

    /**
     * The stream handlers of an HTTP/2 connection, on the connection's channel, for the sweep
     * ({@link #exchangesOf}). Only touched on the connection's event loop (its streams share it).
     */
    private static final AttributeKey<Set<HttpProxyHandler>> STREAMS = AttributeKey.valueOf("meshid.h2-stream-handlers");

    private enum State { IDLE, ADMITTING, STREAMING, AWAITING, TUNNEL, CLOSED }

    private final Gate gate;
    private final Limits limits;
    private final Transport transport;
    /** Non-null when this handler serves one HTTP/2 stream: the upstream is then a stream too. */
    private final H2Connections h2;

    private ChannelHandlerContext ctx;
    private State state = State.IDLE;
    private Channel upstream;
    private String upstreamKey;
    private final ArrayDeque<HttpContent> pending = new ArrayDeque<>();
    private long bodyBytes;
    private boolean requestComplete;
    private boolean keepAlive;
    private boolean closeAfterResponse;
    private boolean discarding;
    private boolean upgrade;
    private boolean interim;
    private boolean switching;
    private boolean responseStarted;
    private boolean upstreamNeedsFlush;
    /** Inside a downstream read (until its channelReadComplete): upstream writes wait for one flush there. */
    private boolean reading;
    /** Response bytes written downstream since the last flush (the end of an upstream read flushes them). */
    private boolean downstreamNeedsFlush;
    private boolean grpc;
    private String requestId;
    /*
     * The two timers are lazy: set once and left running across requests (a schedule and a cancel
     * per request cost more than the rest of the head handling); when one fires it checks the
     * moment its wait began and either acts, or waits for the rest, or (the connection is busy with
     * something else) ends until it is needed again.
     */
    private Future<?> headerTimer;
    private Future<?> responseTimer;
    /**
     * HTTP/1.1 only (HTTP/2 connections keep Netty's IdleStateHandler, whose listener on every
     * write cost more than this): no byte read or written for the idle timeout closes the
     * connection, except while awaiting a response (the response timeout bounds that) and in a
     * tunnel. Lazy like the two above: it runs once per idle timeout and checks the last activity.
     */
    private Future<?> idleTimer;
    /** The end of the last downstream read or flush (System.nanoTime). */
    private long lastActivity;
    /** When the connection last became idle (System.nanoTime): the head must be complete within the header read timeout. */
    private long idleSince;
    /** When the current request was sent (System.nanoTime): its response must start within the response timeout. */
    private long awaitingSince;

    /** A handler of one HTTP/1.1 connection. */
    HttpProxyHandler(Gate gate, Limits limits, Transport transport) {
        this(gate, limits, transport, null);
    }

    /** A handler of one HTTP/2 stream (its channel converts frames to HTTP objects) when {@code h2} is not null. */
    HttpProxyHandler(Gate gate, Limits limits, Transport transport, H2Connections h2) {
        this.gate = gate;
        this.limits = limits;
        this.transport = transport;
        this.h2 = h2;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext context) {
        this.ctx = context;
        if (context.channel() instanceof Http2StreamChannel stream) {
            Set<HttpProxyHandler> streams = stream.parent().attr(STREAMS).get();
            if (streams == null) {
                streams = new HashSet<>();
                stream.parent().attr(STREAMS).set(streams);
            }
            streams.add(this);
        }
        if (context.channel().isActive()) {
            // added after the TLS handshake chose the protocol: the connection is active already
            armHeaderTimer();
            startIdleTimer();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext context) throws Exception {
        armHeaderTimer();
        startIdleTimer();
        super.channelActive(context);
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object msg) {
        reading = true;
        if (state == State.TUNNEL) {
            if (tunnelRefused()) {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (upstream != null && msg instanceof ByteBuf) {
                upstream.write(msg);
                upstreamNeedsFlush = true;
                if (!upstream.isWritable()) {
                    ctx.channel().config().setAutoRead(false);
                }
            } else {
                ReferenceCountUtil.release(msg);
            }
            return;
        }
        if (msg instanceof HttpRequest request) {
            onRequest(request);
        }
        if (msg instanceof HttpContent content) {
            onContent(content);
        } else if (!(msg instanceof HttpRequest)) {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext context) {
        reading = false;
        lastActivity = System.nanoTime();
        if (upstreamNeedsFlush && upstream != null) {
            upstreamNeedsFlush = false;
            upstream.flush();
        }
        context.fireChannelReadComplete();
    }

    private void onRequest(HttpRequest request) {
        if (state != State.IDLE) {
            // Pipelined: answer the current request, then close; the rest of the input is dropped.
            closeAfterResponse = true;
            discarding = true;
            return;
        }
        if (request.decoderResult().isFailure()) {
            Throwable cause = request.decoderResult().cause();
            HttpResponseStatus status = cause instanceof TooLongHttpHeaderException
                    ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                    : cause instanceof TooLongHttpLineException ? HttpResponseStatus.REQUEST_URI_TOO_LONG
                    : HttpResponseStatus.BAD_REQUEST;
            refuseAndClose(status, "malformed request: " + (cause instanceof TooLongFrameException
                    ? "the request head is larger than allowed (expected: at most " + limits.maxHeaderBytes()
                            + " bytes of headers and " + limits.maxInitialLineBytes() + " bytes of request line)"
                    : String.valueOf(cause.getMessage())), null);
            return;
        }
        HttpHeaders headers = request.headers();
        String type = headers.get(HttpHeaderNames.CONTENT_TYPE);
        grpc = type != null && type.regionMatches(true, 0, "application/grpc", 0, 16);
        String framing = framingProblem(headers);
        if (framing != null) {
            refuseAndClose(HttpResponseStatus.BAD_REQUEST, framing, null);
            return;
        }
        if (HttpMethod.CONNECT.equals(request.method())) {
            // A tunnel of its own (HTTP/1.1 CONNECT, HTTP/2 CONNECT or RFC 8441's extended CONNECT for
            // WebSocket over HTTP/2): what it carries would never be decided. Refused, never forwarded.
            refuseAndClose(HttpResponseStatus.METHOD_NOT_ALLOWED, "CONNECT is not supported by the sidecar (expected: "
                    + "an ordinary request, or a WebSocket upgrade over HTTP/1.1)", null);
            return;
        }
        if (HttpUtil.getContentLength(request, 0L) > limits.maxBodyBytes()) {
            refuseAndClose(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "request body of "
                    + HttpUtil.getContentLength(request, 0L) + " bytes (expected: at most " + limits.maxBodyBytes() + ")", null);
            return;
        }
        keepAlive = HttpUtil.isKeepAlive(request) && !closeAfterResponse;
        // Only a WebSocket upgrade may become a tunnel (its one request is decided). Any other upgrade
        // (h2c above all: the HTTP/2 requests inside would never be decided) is dropped as hop-by-hop,
        // and the request goes on as an ordinary HTTP/1.1 request, as RFC 9110 section 7.8 allows.
        upgrade = headers.contains(HttpHeaderNames.UPGRADE)
                && headers.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
                && headers.getAll(HttpHeaderNames.UPGRADE).stream()
                        .allMatch(v -> HttpHeaderValues.WEBSOCKET.contentEqualsIgnoreCase(v.trim()));
        removeHopByHop(headers, upgrade);
        if (request.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
            request.setProtocolVersion(HttpVersion.HTTP_1_1);
        }
        IdentityHeaders.strip(headers);
        requestId = RequestIds.ensure(headers);
        TraceContext.continueOrStart(headers);
        state = State.ADMITTING;
        bodyBytes = 0;
        requestComplete = false;
        responseStarted = false;
        interim = false;
        switching = false;
        // Reading goes on (no epoll_ctl pair per request): a body that comes before the admission
        // stops it in onContent, and a request head before the response is pipelining (above).
        java.util.concurrent.CompletableFuture<Admission> admitting = gate.admit(ctx.channel(), request, requestId)
                .toCompletableFuture();
        Admission now = admitting.isDone() && !admitting.isCompletedExceptionally() ? admitting.getNow(null) : null;
        if (now != null && now.admitted() && ctx.executor().inEventLoop()) {
            // Decided already (a cached decision, an outbound route): forward in this read, no task hop.
            onAdmission(request, now, null);
            return;
        }
        admitting.whenComplete((admission, error) -> ctx.executor().execute(() -> onAdmission(request, admission, error)));
    }

    private static String framingProblem(HttpHeaders headers) {
        boolean hasLength = headers.contains(HttpHeaderNames.CONTENT_LENGTH);
        boolean hasEncoding = headers.contains(HttpHeaderNames.TRANSFER_ENCODING);
        if (hasLength && hasEncoding) {
            return "both Content-Length and Transfer-Encoding (expected: exactly one way to frame the body)";
        }
        if (hasEncoding) {
            var values = headers.getAll(HttpHeaderNames.TRANSFER_ENCODING);
            if (values.size() != 1 || !HttpHeaderValues.CHUNKED.contentEqualsIgnoreCase(values.get(0).trim())) {
                return "Transfer-Encoding " + values + " (expected: exactly \"chunked\")";
            }
        }
        if (hasLength && count(headers, HttpHeaderNames.CONTENT_LENGTH) > 1) {
            return "more than one Content-Length (expected: one)";
        }
        if (count(headers, HttpHeaderNames.HOST) > 1) {
            return "more than one Host (expected: one)";
        }
        return null;
    }

    /** How many times header {@code name} occurs (no list made: this runs on every request). */
    private static int count(HttpHeaders headers, CharSequence name) {
        int n = 0;
        for (var values = headers.valueCharSequenceIterator(name); values.hasNext(); values.next()) {
            n++;
        }
        return n;
    }

    private static void removeHopByHop(HttpHeaders headers, boolean upgrade) {
        // no list, no iterator when the header is absent (most requests have neither header)
        if (headers.contains(HttpHeaderNames.CONNECTION)) {
            for (String token : headers.getAll(HttpHeaderNames.CONNECTION)) {
                for (String name : token.split(",")) {
                    String n = name.trim().toLowerCase(Locale.ROOT);
                    if (!n.isEmpty() && !(upgrade && n.equals("upgrade")) && !n.equals("close")
                            && !n.equals("keep-alive") && !IdentityHeaders.STRIPPED.contains(n) && !n.equals("host")) {
                        headers.remove(n);
                    }
                }
            }
            headers.remove(HttpHeaderNames.CONNECTION);
        }
        headers.remove(HttpHeaderNames.KEEP_ALIVE);
        headers.remove(PROXY_CONNECTION);
        // "TE: trailers" is the one TE value HTTP/2 allows, and gRPC servers expect it; any other goes.
        if (headers.contains(HttpHeaderNames.TE)) {
            boolean trailers = headers.getAll(HttpHeaderNames.TE).stream()
                    .anyMatch(v -> v.trim().equalsIgnoreCase(HttpHeaderValues.TRAILERS.toString()));
            headers.remove(HttpHeaderNames.TE);
            if (trailers) {
                headers.set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS);
            }
        }
        if (upgrade) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        } else {
            headers.remove(HttpHeaderNames.UPGRADE);
        }
    }

    private void onContent(HttpContent content) {
        if (discarding || state == State.IDLE || state == State.AWAITING || state == State.CLOSED) {
            content.release();
            return;
        }
        bodyBytes += content.content().readableBytes();
        boolean last = content instanceof LastHttpContent;
        if (bodyBytes > limits.maxBodyBytes()) {
            content.release();
            if (state == State.ADMITTING) {
                refuseAndClose(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "request body larger than "
                        + limits.maxBodyBytes() + " bytes", requestId);
            } else {
                LOG.info("request {}: body grew past {} bytes; connection closed", requestId, limits.maxBodyBytes());
                closeBoth();
            }
            return;
        }
        if (state == State.ADMITTING) {
            pending.add(content);
            requestComplete |= last;
            if (!last) {
                // hold the rest of the body in the socket until the gate has answered
                ctx.channel().config().setAutoRead(false);
            }
            return;
        }
        upstream.write(content);
        upstreamNeedsFlush = true;
        if (last) {
            requestSent();
        } else if (!upstream.isWritable()) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    private void requestSent() {
        requestComplete = true;
        flushUpstream();
        if (!responseStarted) {
            state = State.AWAITING;
            // reading goes on: a request head now is pipelining (closed after this response)
            awaitingSince = System.nanoTime();
            if (responseTimer == null) {
                responseTimer = ctx.executor().schedule(this::responseTimerFired, limits.responseTimeout().toNanos(),
                        TimeUnit.NANOSECONDS);
            }
        } else {
            state = State.AWAITING;
        }
    }

    /** Flushes the upstream now, or at the end of the downstream read this runs in (one flush per read). */
    private void flushUpstream() {
        if (reading) {
            upstreamNeedsFlush = true;
        } else {
            upstreamNeedsFlush = false;
            upstream.flush();
        }
    }

    private void onAdmission(HttpRequest request, Admission admission, Throwable error) {
        if (!ctx.channel().isActive() || state != State.ADMITTING) {
            releasePending();
            return;
        }
        if (error != null || admission == null) {
            LOG.warn("request {}: the gate failed", requestId, error);
            refuseAndClose(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error", requestId);
            return;
        }
        if (!admission.admitted()) {
            releasePending();
            boolean close = h2 != null || admission.closeConnection() || !requestComplete || !keepAlive || closeAfterResponse;
            ChannelFuture written = ctx.writeAndFlush(Refusals.of(ctx.alloc(), admission.refusal(), admission.message(),
                    requestId, close, grpc));
            written.addListener(close ? ChannelFutureListener.CLOSE : ChannelFutureListener.CLOSE_ON_FAILURE);
            if (h2 != null && admission.closeConnection() && ctx.channel() instanceof Http2StreamChannel) {
                // The connection itself is refused (its peer's SVID): GOAWAY after this answer.
                Channel connection = ctx.channel().parent();
                written.addListener(f -> goAwayThenClose(connection));
            }
            if (close) {
                state = State.CLOSED;
            } else {
                becomeIdle();
            }
            return;
        }
        connect(admission.upstream()).addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                releasePending();
                if (f.cause() instanceof PeerRefusedException refused) {
                    LOG.info("request {} refused, connection closed: {}", requestId, refused.getMessage());
                    refuseAndClose(HttpResponseStatus.FORBIDDEN, "refused: " + refused.getMessage(), requestId);
                    return;
                }
                String why = f.cause() instanceof javax.net.ssl.SSLException || (f.cause() != null
                        && f.cause().getCause() instanceof javax.net.ssl.SSLException)
                        ? "the target did not complete mutual TLS with the expected identity"
                        : "the upstream is unavailable";
                LOG.info("request {}: {} ({})", requestId, why, String.valueOf(f.cause()));
                refuseAndClose(HttpResponseStatus.BAD_GATEWAY, why, requestId);
                return;
            }
            if (!ctx.channel().isActive()) {
                releasePending();
                return;
            }
            upstream.write(request);
            HttpContent content;
            while ((content = pending.poll()) != null) {
                upstream.write(content);
            }
            state = State.STREAMING;
            if (requestComplete) {
                requestSent();
            } else {
                flushUpstream();
                ctx.channel().config().setAutoRead(upstream.isWritable());
            }
        });
    }

    private ChannelFuture connect(Upstream target) {
        if (h2 != null) {
            return connectStream(target);
        }
        if (upstream != null && upstream.isActive() && target.key().equals(upstreamKey)) {
            String refusal = target.tls() ? ConnectionValidity.check(upstream, target.revocations()) : null;
            if (refusal == null) {
                return upstream.newSucceededFuture();
            }
            if (!refusal.isEmpty()) {
                upstream.close();
                return upstream.newFailedFuture(new PeerRefusedException("the target " + target.key() + ": " + refusal));
            }
            LOG.debug("request {}: the open connection to {} outlived a certificate; reconnecting", requestId, target.key());
        }
        if (upstream != null) {
            upstream.close();
        }
        upstreamKey = target.key();
        Bootstrap bootstrap = new Bootstrap()
                .group(ctx.channel().eventLoop())
                .channel(transport.socketChannel())
                // the listeners' pool: one buffer pool in the data path (Netty 4.2's default is another)
                .option(ChannelOption.ALLOCATOR, io.netty.buffer.PooledByteBufAllocator.DEFAULT)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(10_000, limits.responseTimeout().toMillis()))
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ChannelPipeline p = ch.pipeline();
                        if (target.ssl() != null) {
                            SslHandler ssl = target.ssl().newHandler(ch.alloc(), target.sniHost(), target.address().getPort());
                            ssl.setHandshakeTimeoutMillis(limits.headerReadTimeout().toMillis());
                            p.addLast("tls", ssl);
                        }
                        p.addLast("http", new HttpClientCodec(limits.maxInitialLineBytes(), limits.maxHeaderBytes(), 16 * 1024));
                        p.addLast("proxy", new UpstreamHandler(HttpProxyHandler.this));
                    }
                });
        ChannelFuture connecting = bootstrap.connect(target.address());
        Channel ch = connecting.channel();
        upstream = ch;
        ch.closeFuture().addListener(f -> ctx.executor().execute(() -> upstreamClosed(ch)));
        if (target.ssl() == null) {
            return connecting;
        }
        var promise = ch.newPromise();
        connecting.addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                promise.tryFailure(f.cause());
                return;
            }
            ch.pipeline().get(SslHandler.class).handshakeFuture().addListener(h -> {
                if (h.isSuccess()) {
                    promise.trySuccess();
                } else {
                    promise.tryFailure(h.cause());
                    ch.close();
                }
            });
        });
        return promise;
    }

    /** HTTP/2: a new stream on the shared connection to {@code target} (one exchange per stream). */
    private ChannelFuture connectStream(Upstream target) {
        if (upstream != null) {
            upstream.close();
            upstream = null;
        }
        upstreamKey = target.key();
        var promise = ctx.channel().newPromise();
        h2.openStream(ctx.channel().eventLoop(), target, new UpstreamHandler(this)).addListener(f -> {
            if (!f.isSuccess()) {
                promise.tryFailure(f.cause());
                return;
            }
            Channel stream = (Channel) f.getNow();
            if (state != State.ADMITTING || !ctx.channel().isActive()) {
                stream.close();
                promise.tryFailure(new java.nio.channels.ClosedChannelException());
                return;
            }
            upstream = stream;
            stream.closeFuture().addListener(c -> ctx.executor().execute(() -> upstreamClosed(stream)));
            promise.trySuccess();
        });
        return promise;
    }

    // ---- upstream side, called by UpstreamHandler on this event loop

    void onUpstreamRead(Channel from, Object msg) {
        if (from != upstream || state == State.CLOSED) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (state == State.TUNNEL) {
            if (tunnelRefused()) {
                ReferenceCountUtil.release(msg);
                return;
            }
            ctx.write(msg);
            downstreamNeedsFlush = true;
            throttleUpstream();
            return;
        }
        if (msg instanceof HttpResponse response) {
            if (response.decoderResult().isFailure()) {
                ReferenceCountUtil.release(msg);
                LOG.info("request {}: malformed upstream response ({})", requestId, response.decoderResult().cause().toString());
                if (!responseStarted) {
                    refuseAndClose(HttpResponseStatus.BAD_GATEWAY, "malformed response from the upstream", requestId);
                } else {
                    closeBoth();
                }
                return;
            }
            int code = response.status().code();
            if (code == 101 && !upgrade) {
                // Switching protocols unasked would make a tunnel no decision covers.
                ReferenceCountUtil.release(msg);
                LOG.info("request {}: the upstream answered 101 to a request that asked for no upgrade", requestId);
                if (!responseStarted) {
                    refuseAndClose(HttpResponseStatus.BAD_GATEWAY, "the upstream switched protocols unasked", requestId);
                } else {
                    closeBoth();
                }
                return;
            }
            interim = code >= 100 && code < 200 && code != 101;
            switching = code == 101 && upgrade;
            if (!interim && !switching) {
                responseStarted = true;
                boolean upstreamCloses = !HttpUtil.isKeepAlive(response);
                if (upstreamCloses) {
                    upstreamKey = null;
                }
                removeHopByHop(response.headers(), false);
                if (!keepAlive || closeAfterResponse) {
                    response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                }
            }
        }
        if (!(msg instanceof HttpObject)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        boolean last = msg instanceof LastHttpContent;
        ctx.write(msg);
        downstreamNeedsFlush = true;
        if (last) {
            if (interim) {
                interim = false;
                ctx.flush();
            } else if (switching) {
                ctx.flush();
                becomeTunnel();
            } else {
                responseComplete();
            }
            return;
        }
        throttleUpstream();
    }

    private void throttleUpstream() {
        if (!ctx.channel().isWritable()) {
            // Flush first: draining may make the channel writable again (and fire its event) right here.
            ctx.flush();
            if (upstream != null) {
                upstream.config().setAutoRead(ctx.channel().isWritable());
            }
        }
    }

    void onUpstreamReadComplete(Channel from) {
        if (from == upstream && downstreamNeedsFlush) {
            downstreamNeedsFlush = false;
            ctx.flush();
            lastActivity = System.nanoTime();
        }
    }

    void onUpstreamWritabilityChanged(Channel from) {
        if (from == upstream && (state == State.STREAMING || state == State.TUNNEL)) {
            ctx.channel().config().setAutoRead(from.isWritable());
        }
    }

    private void responseComplete() {
        if (h2 != null) {
            // One exchange per stream. A response that ends before the request did (a gRPC server
            // answering early) ends the stream: the rest of the request has nowhere to go.
            boolean early = state == State.STREAMING;
            state = State.CLOSED;
            ctx.flush();
            if (early) {
                ctx.close();
                if (upstream != null) {
                    upstream.close();
                }
            }
            return;
        }
        if (state == State.STREAMING) {
            // The upstream answered before the whole body was sent: the rest can no longer be framed.
            closeAfterResponse = true;
        }
        if (!keepAlive || closeAfterResponse) {
            state = State.CLOSED;
            ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            if (upstream != null) {
                upstream.close();
            }
            return;
        }
        downstreamNeedsFlush = false;
        ctx.flush();
        if (upstreamKey == null && upstream != null) {
            upstream.close();
            upstream = null;
        }
        becomeIdle();
    }

    private void becomeIdle() {
        state = State.IDLE;
        requestId = null;
        ctx.channel().config().setAutoRead(true);
        armHeaderTimer();
    }

    private void becomeTunnel() {
        state = State.TUNNEL;
        LOG.debug("request {}: protocol switched, tunnelling", requestId);
        ChannelPipeline down = ctx.pipeline();
        for (String name : new String[] {"http-decoder", "http-encoder"}) {
            if (down.get(name) != null) {
                down.remove(name);
            }
        }
        if (upstream.pipeline().get("http") != null) {
            upstream.pipeline().remove("http");
        }
        ctx.channel().config().setAutoRead(upstream.isWritable());
        upstream.config().setAutoRead(ctx.channel().isWritable());
    }

    /** A tunnel outlives its request: its peers' certificates are checked again on every read. */
    private boolean tunnelRefused() {
        var refusal = gate.tunnelRefusal(ctx.channel(), upstream);
        if (refusal.isEmpty()) {
            return false;
        }
        LOG.info("tunnel of request {} closed: {}", requestId, refusal.get());
        closeBoth();
        return true;
    }

    private void upstreamClosed(Channel ch) {
        if (ch != upstream) {
            return;
        }
        upstream = null;
        upstreamKey = null;
        switch (state) {
            case ADMITTING, IDLE, CLOSED -> {
            }
            case AWAITING, STREAMING -> {
                if (responseStarted) {
                    closeDownstream();
                } else {
                    refuseAndClose(HttpResponseStatus.BAD_GATEWAY, "the upstream closed the connection", requestId);
                }
            }
            case TUNNEL -> closeDownstream();
        }
    }

    private void responseTimerFired() {
        responseTimer = null;
        if (state == State.AWAITING && !responseStarted) {
            long left = limits.responseTimeout().toNanos() - (System.nanoTime() - awaitingSince);
            if (left > 0) {
                // armed for an earlier request: wait for the rest of this one's time
                responseTimer = ctx.executor().schedule(this::responseTimerFired, left, TimeUnit.NANOSECONDS);
                return;
            }
            LOG.info("request {}: no response within {}", requestId, limits.responseTimeout());
            refuseAndClose(HttpResponseStatus.GATEWAY_TIMEOUT, "the upstream did not answer in time", requestId);
        }
    }

    // ---- downstream events

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext context) throws Exception {
        lastActivity = System.nanoTime();
        if (upstream != null && (state == State.AWAITING || state == State.STREAMING || state == State.TUNNEL)) {
            upstream.config().setAutoRead(context.channel().isWritable());
        }
        super.channelWritabilityChanged(context);
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) throws Exception {
        forget();
        state = State.CLOSED;
        cancel(headerTimer);
        cancel(responseTimer);
        cancel(idleTimer);
        releasePending();
        if (upstream != null) {
            upstream.close();
        }
        super.channelInactive(context);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
        LOG.debug("downstream connection failed: {}", cause.toString());
        closeBoth();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext context) {
        forget();
    }

    private void forget() {
        if (ctx.channel() instanceof Http2StreamChannel stream) {
            Set<HttpProxyHandler> streams = stream.parent().attr(STREAMS).get();
            if (streams != null) {
                streams.remove(this);
            }
        }
    }

    /**
     * The proxy handlers of downstream connection {@code connection}: its one HTTP/1.1 handler, or
     * one per open HTTP/2 stream. Call on the connection's event loop.
     */
    static List<HttpProxyHandler> exchangesOf(Channel connection) {
        Set<HttpProxyHandler> streams = connection.attr(STREAMS).get();
        if (streams != null) {
            return List.copyOf(streams);
        }
        HttpProxyHandler handler = connection.pipeline().get(HttpProxyHandler.class);
        return handler == null ? List.of() : List.of(handler);
    }

    /**
     * The sweep, for an exchange in flight (a request or response still streaming, a long gRPC
     * stream, a tunnel): when the gate now refuses a peer of it (its SVID was revoked or expired
     * since the handshake, or revocations are unknown), ends it at once, whether or not a byte is
     * moving: not yet answered, with the refusal (403, gRPC {@code PERMISSION_DENIED}); a gRPC
     * response under way, with {@code PERMISSION_DENIED} trailers; anything else by closing both
     * sides. An HTTP/2 connection whose own peer is refused is then closed (GOAWAY). Idle
     * connections are left to refuse their next request. Call on this handler's event loop.
     *
     * @return whether the exchange was cut
     */
    boolean sweep() {
        if (upstream == null || !(state == State.STREAMING || state == State.AWAITING || state == State.TUNNEL)) {
            return false;
        }
        Optional<String> refusal = gate.tunnelRefusal(ctx.channel(), upstream);
        if (refusal.isEmpty()) {
            return false;
        }
        LOG.info("request {} cut while in flight: {}", requestId, refusal.get());
        String message = "refused: " + refusal.get();
        ChannelFuture done;
        if (state != State.TUNNEL && !responseStarted) {
            refuseAndClose(HttpResponseStatus.FORBIDDEN, message, requestId);
            done = ctx.channel().closeFuture();
        } else if (h2 != null && grpc) {
            state = State.CLOSED;
            LastHttpContent trailers = new io.netty.handler.codec.http.DefaultLastHttpContent();
            trailers.trailingHeaders().setInt("grpc-status", Refusals.grpcStatus(HttpResponseStatus.FORBIDDEN.code()))
                    .set("grpc-message", Refusals.percentEncode("meshid sidecar: " + message + " (request-id: " + requestId + ")"))
                    .set(RequestIds.HEADER, requestId);
            done = ctx.writeAndFlush(trailers);
            done.addListener(ChannelFutureListener.CLOSE);
            upstream.close();
        } else {
            closeBoth();
            done = ctx.channel().closeFuture();
        }
        if (ctx.channel() instanceof Http2StreamChannel stream && gate.connectionRefusal(stream.parent()).isPresent()) {
            Channel connection = stream.parent();
            done.addListener(f -> goAwayThenClose(connection));
        }
        return true;
    }

    /**
     * Ends an HTTP/2 connection whose peer is refused: GOAWAY now (no new stream is accepted; the
     * peer's pool replaces the connection), the TCP connection {@link #GOAWAY_CLOSE_DELAY_MILLIS}
     * later. Closing at once made the peer's sidecar lose the refusal it had just been sent: the
     * close of the connection could overtake the answer on its way up the peer's stream pipeline,
     * which then reported "the upstream closed the connection" (502) instead of the 403.
     */
    private static void goAwayThenClose(Channel connection) {
        if (!connection.isActive()) {
            return;
        }
        connection.writeAndFlush(new io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame(
                io.netty.handler.codec.http2.Http2Error.NO_ERROR));
        connection.eventLoop().schedule(() -> {
            connection.close();
        }, GOAWAY_CLOSE_DELAY_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Shutdown: close now if idle, else after the current response. */
    void drain(Channel channel) {
        if (state == State.IDLE) {
            channel.close();
        } else {
            closeAfterResponse = true;
        }
    }

    private void armHeaderTimer() {
        idleSince = System.nanoTime();
        if (headerTimer == null) {
            headerTimer = ctx.executor().schedule(this::headerTimerFired, limits.headerReadTimeout().toNanos(),
                    TimeUnit.NANOSECONDS);
        }
    }

    private void headerTimerFired() {
        headerTimer = null;
        if (state != State.IDLE || !ctx.channel().isActive()) {
            return; // busy: armed again when the connection next becomes idle
        }
        long left = limits.headerReadTimeout().toNanos() - (System.nanoTime() - idleSince);
        if (left > 0) {
            // armed for an earlier idle spell: wait for the rest of this one's time
            headerTimer = ctx.executor().schedule(this::headerTimerFired, left, TimeUnit.NANOSECONDS);
            return;
        }
        LOG.debug("no complete request head within {}: closed", limits.headerReadTimeout());
        refuseAndClose(HttpResponseStatus.REQUEST_TIMEOUT, "no complete request head within "
                + limits.headerReadTimeout(), null);
    }

    /** HTTP/1.1: started once per connection, then reschedules itself (see {@link #idleTimer}). */
    private void startIdleTimer() {
        lastActivity = System.nanoTime();
        if (idleTimer == null && h2 == null) {
            idleTimer = ctx.executor().schedule(this::idleTimerFired, limits.idleTimeout().toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private void idleTimerFired() {
        idleTimer = null;
        if (state == State.TUNNEL || state == State.CLOSED || !ctx.channel().isActive()) {
            return;
        }
        long left = limits.idleTimeout().toNanos() - (System.nanoTime() - lastActivity);
        if (left > 0 || state == State.AWAITING) {
            idleTimer = ctx.executor().schedule(this::idleTimerFired, left > 0 ? left : limits.idleTimeout().toNanos(),
                    TimeUnit.NANOSECONDS);
            return;
        }
        LOG.debug("connection idle for {}: closed", limits.idleTimeout());
        closeBoth();
    }

    private void refuseAndClose(HttpResponseStatus status, String message, String id) {
        state = State.CLOSED;
        releasePending();
        ctx.channel().config().setAutoRead(false);
        ctx.writeAndFlush(Refusals.of(ctx.alloc(), status, message, id, true, grpc)).addListener(ChannelFutureListener.CLOSE);
        if (upstream != null) {
            upstream.close();
        }
    }

    private void closeDownstream() {
        state = State.CLOSED;
        ctx.flush();
        ctx.close();
    }

    private void closeBoth() {
        state = State.CLOSED;
        ctx.close();
        if (upstream != null) {
            upstream.close();
        }
    }

    private void releasePending() {
        HttpContent c;
        while ((c = pending.poll()) != null) {
            c.release();
        }
    }

    private static void cancel(Future<?> timer) {
        if (timer != null) {
            timer.cancel(false);
        }
    }
}
