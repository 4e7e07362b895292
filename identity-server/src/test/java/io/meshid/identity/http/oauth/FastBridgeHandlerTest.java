package io.meshid.identity.http.oauth;

import static io.meshid.identity.http.oauth.BridgeServer.basic;
import static io.meshid.identity.http.oauth.BridgeServer.form;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.util.JSONObjectUtils;
import io.meshid.identity.oauth.AuthMethod;
import io.meshid.identity.oauth.GrantType;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The bridge's event-loop handler ({@link FastBridgeHandler}) answers token and introspection
 * requests exactly as Micronaut's controller does: one server with it, one without
 * ({@code meshid.identity.oauth.event-loop-handler: false}), the same requests, the same statuses,
 * header names and JSON members (values that differ per request, such as tokens, aside).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FastBridgeHandlerTest {

    private BridgeServer fast;
    private BridgeServer routed;
    private HttpClient fastHttp;
    private HttpClient routedHttp;
    private String fastSecret;
    private String routedSecret;

    @BeforeAll
    void start() throws Exception {
        // Both start at once: the start-up is most of this class's time.
        java.util.concurrent.CompletableFuture<BridgeServer> other = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return new BridgeServer(Map.of("meshid.identity.oauth.event-loop-handler", false));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        fast = new BridgeServer(Map.of());
        routed = other.join();
        fastSecret = client(fast);
        routedSecret = client(routed);
        fastHttp = fast.http(Optional.empty());
        routedHttp = routed.http(Optional.empty());
    }

    private static String client(BridgeServer b) {
        return b.client("svc", AuthMethod.CLIENT_SECRET_BASIC, List.of(GrantType.CLIENT_CREDENTIALS), List.of("read"),
                List.of("https://api.example"), Optional.empty(), Optional.empty()).orElseThrow();
    }

    @AfterAll
    void stop() {
        fast.close();
        routed.close();
    }

    @Test
    void handlerIsInTheConnectionsPipeline() throws Exception {
        // The fast server counts its requests in the same timer; the point here is that both reply alike.
        assertThat(fast.context().containsBean(FastBridge.class)).isTrue();
        assertThat(routed.context().containsBean(FastBridge.class)).isFalse();
    }

    @Test
    void tokenIntrospectionAndFailuresReplyAlike() throws Exception {
        HttpResponse<String> fastToken = fast.post(fastHttp, TokenEndpoints.TOKEN, form("grant_type", "client_credentials"),
                "Authorization", basic("svc", fastSecret));
        HttpResponse<String> routedToken = routed.post(routedHttp, TokenEndpoints.TOKEN, form("grant_type", "client_credentials"),
                "Authorization", basic("svc", routedSecret));
        same(fastToken, routedToken);
        String fastAt = (String) JSONObjectUtils.parse(fastToken.body()).get("access_token");
        String routedAt = (String) JSONObjectUtils.parse(routedToken.body()).get("access_token");

        same(fast.post(fastHttp, TokenEndpoints.INTROSPECT, form("token", fastAt), "Authorization", basic("svc", fastSecret)),
                routed.post(routedHttp, TokenEndpoints.INTROSPECT, form("token", routedAt), "Authorization", basic("svc", routedSecret)));
        same(fast.post(fastHttp, TokenEndpoints.INTROSPECT, form("token", "not-a-token"), "Authorization", basic("svc", fastSecret)),
                routed.post(routedHttp, TokenEndpoints.INTROSPECT, form("token", "not-a-token"), "Authorization",
                        basic("svc", routedSecret)));
        // Wrong secret: 401 with WWW-Authenticate; a repeated parameter: 400; an unknown grant: 400.
        same(fast.post(fastHttp, TokenEndpoints.TOKEN, form("grant_type", "client_credentials"), "Authorization", basic("svc", "wrong")),
                routed.post(routedHttp, TokenEndpoints.TOKEN, form("grant_type", "client_credentials"), "Authorization",
                        basic("svc", "wrong")));
        same(fast.post(fastHttp, TokenEndpoints.TOKEN, "grant_type=client_credentials&grant_type=client_credentials", "Authorization",
                basic("svc", fastSecret)), routed.post(routedHttp, TokenEndpoints.TOKEN,
                        "grant_type=client_credentials&grant_type=client_credentials", "Authorization", basic("svc", routedSecret)));
        same(fast.post(fastHttp, TokenEndpoints.TOKEN, form("grant_type", "password"), "Authorization", basic("svc", fastSecret)),
                routed.post(routedHttp, TokenEndpoints.TOKEN, form("grant_type", "password"), "Authorization", basic("svc", routedSecret)));
        // Not a form: the fast handler hands it to Micronaut's controller, which refuses it the same way.
        same(fast.post(fastHttp, TokenEndpoints.TOKEN, "{}", "Authorization", basic("svc", fastSecret), "Content-Type", "application/json"),
                routed.post(routedHttp, TokenEndpoints.TOKEN, "{}", "Authorization", basic("svc", routedSecret), "Content-Type",
                        "application/json"));
        // The form's media type in another case and with a parameter is still the form, on both paths.
        same(fast.post(fastHttp, TokenEndpoints.TOKEN, form("grant_type", "client_credentials"), "Authorization", basic("svc", fastSecret),
                "Content-Type", "Application/X-WWW-Form-URLencoded ; charset=UTF-8"), routed.post(routedHttp, TokenEndpoints.TOKEN,
                        form("grant_type", "client_credentials"), "Authorization", basic("svc", routedSecret), "Content-Type",
                        "Application/X-WWW-Form-URLencoded ; charset=UTF-8"));
        // The caller's request id is echoed by both.
        HttpResponse<String> withId = fast.post(fastHttp, TokenEndpoints.INTROSPECT, form("token", fastAt), "Authorization",
                basic("svc", fastSecret), "X-Request-Id", "job-7");
        assertThat(withId.headers().firstValue("X-Request-Id")).contains("job-7");
    }

    private static void same(HttpResponse<String> fast, HttpResponse<String> routed) throws Exception {
        assertThat(fast.statusCode()).as(fast.body()).isEqualTo(routed.statusCode());
        assertThat(names(fast)).isEqualTo(names(routed));
        for (String h : List.of("content-type", "cache-control", "pragma", "www-authenticate", "x-content-type-options",
                "x-frame-options", "referrer-policy", "content-security-policy", "strict-transport-security")) {
            assertThat(fast.headers().allValues(h)).as(h).isEqualTo(routed.headers().allValues(h));
        }
        Map<String, Object> f = JSONObjectUtils.parse(fast.body());
        Map<String, Object> r = JSONObjectUtils.parse(routed.body());
        assertThat(f.keySet()).isEqualTo(r.keySet());
        for (String k : List.of("error", "error_description", "active", "token_type", "scope", "client_id", "aud")) {
            assertThat(f.get(k)).as(k).isEqualTo(r.get(k));
        }
    }

    private static Set<String> names(HttpResponse<String> r) {
        return new TreeSet<>(r.headers().map().keySet().stream().map(String::toLowerCase).toList());
    }

    /**
     * With the audit trail behind, a token request waits (its connection reads nothing more) and is
     * answered once the trail has room; a request queued behind it on the same connection is
     * answered after it, in order.
     */
    @Test
    void tokenRequest_waitsWhileTheAuditTrailIsBehind_thenIsAnswered() {
        java.util.concurrent.atomic.AtomicBoolean behind = new java.util.concurrent.atomic.AtomicBoolean(true);
        io.netty.channel.embedded.EmbeddedChannel channel = channel(behind);
        channel.writeInbound(tokenRequest(), tokenBody());
        channel.writeInbound(tokenRequest(), tokenBody());
        channel.advanceTimeBy(100, java.util.concurrent.TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat((Object) channel.readOutbound()).isNull();
        // A read asked for from behind (as Micronaut's handler does) is held, not lost.
        int readsBefore = reads.get();
        channel.pipeline().read();
        assertThat(reads.get()).isEqualTo(readsBefore);

        behind.set(false);
        channel.advanceTimeBy(1, java.util.concurrent.TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();

        for (int i = 0; i < 2; i++) {
            io.netty.handler.codec.http.FullHttpResponse reply = channel.readOutbound();
            assertThat(reply).as("reply %d", i).isNotNull();
            assertThat(reply.status().code()).isEqualTo(200);
            assertThat(reply.content().toString(java.nio.charset.StandardCharsets.UTF_8)).contains("access_token");
            reply.release();
        }
        assertThat(reads.get()).as("reads reaching the transport after the answer").isGreaterThan(readsBefore);
        channel.finishAndReleaseAll();
    }

    /** A trail that stays behind: the request is answered after the longest wait, with the refusal recordSoon gives. */
    @Test
    void tokenRequest_whenTheAuditTrailStaysBehind_isAnsweredAfterTheLongestWait() {
        io.netty.channel.embedded.EmbeddedChannel channel = channel(new java.util.concurrent.atomic.AtomicBoolean(true));
        channel.writeInbound(tokenRequest(), tokenBody());
        channel.advanceTimeBy(FastBridgeHandler.MAX_AUDIT_WAIT.toMillis() - 10, java.util.concurrent.TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat((Object) channel.readOutbound()).isNull();

        channel.advanceTimeBy(20, java.util.concurrent.TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();

        io.netty.handler.codec.http.FullHttpResponse reply = channel.readOutbound();
        assertThat(reply).isNotNull();
        // The real trail is not behind: the request is answered as usual once the wait is over.
        assertThat(reply.status().code()).isEqualTo(200);
        reply.release();
        channel.finishAndReleaseAll();
    }

    private final java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();

    /** The fast server's bridge in an embedded channel with a stand-in for the trail's "behind"; time frozen. */
    private io.netty.channel.embedded.EmbeddedChannel channel(java.util.concurrent.atomic.AtomicBoolean behind) {
        // One token over the real port first: the client is then in memory, so the handler answers
        // on its own (a first look-up in the database is handed to Micronaut, absent here).
        try {
            assertThat(fast.post(fastHttp, TokenEndpoints.TOKEN, form("grant_type", "client_credentials"), "Authorization",
                    basic("svc", fastSecret)).statusCode()).isEqualTo(200);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        FastBridgeHandler.Shared shared = new FastBridgeHandler.Shared(fast.context().getBean(BridgeRequests.class),
                fast.context().getBean(TokenEndpoints.class), null, behind::get);
        io.netty.channel.embedded.EmbeddedChannel channel = new io.netty.channel.embedded.EmbeddedChannel() {
            @Override
            protected java.net.SocketAddress remoteAddress0() {
                return new java.net.InetSocketAddress("127.0.0.1", 40000);
            }

            @Override
            protected java.net.SocketAddress localAddress0() {
                return new java.net.InetSocketAddress("127.0.0.1", 8443);
            }
        };
        channel.freezeTime();
        channel.config().setAutoRead(false);
        // Counts the reads that pass the bridge towards the transport.
        channel.pipeline().addLast(new io.netty.channel.ChannelOutboundHandlerAdapter() {
            @Override
            public void read(io.netty.channel.ChannelHandlerContext ctx) throws Exception {
                reads.incrementAndGet();
                super.read(ctx);
            }
        });
        channel.pipeline().addLast(new FastBridgeHandler(shared));
        return channel;
    }

    private io.netty.handler.codec.http.HttpRequest tokenRequest() {
        io.netty.handler.codec.http.HttpRequest r = new io.netty.handler.codec.http.DefaultHttpRequest(
                io.netty.handler.codec.http.HttpVersion.HTTP_1_1, io.netty.handler.codec.http.HttpMethod.POST, TokenEndpoints.TOKEN);
        r.headers().set("Authorization", basic("svc", fastSecret)).set("Content-Type", "application/x-www-form-urlencoded")
                .set("Content-Length", form("grant_type", "client_credentials").length());
        return r;
    }

    private static io.netty.handler.codec.http.LastHttpContent tokenBody() {
        return new io.netty.handler.codec.http.DefaultLastHttpContent(io.netty.buffer.Unpooled.copiedBuffer(
                form("grant_type", "client_credentials"), java.nio.charset.StandardCharsets.UTF_8));
    }
}
