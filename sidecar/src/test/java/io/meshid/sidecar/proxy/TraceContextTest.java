package io.meshid.sidecar.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The W3C traceparent rules and the request id rules, checked without regular expressions. */
class TraceContextTest {

    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String SPAN = "00f067aa0ba902b7";

    @Test
    void valid_traceparent_keepsTraceIdAndFlags_newSpan() {
        HttpHeaders headers = new DefaultHttpHeaders().set("traceparent", "00-" + TRACE + "-" + SPAN + "-00")
                .set("tracestate", "a=1");
        String value = TraceContext.continueOrStart(headers).toString();
        assertThat(value).startsWith("00-" + TRACE + "-").endsWith("-00").hasSize(55);
        assertThat(value.substring(36, 52)).isNotEqualTo(SPAN).matches("[0-9a-f]{16}");
        assertThat(headers.get("tracestate")).isEqualTo("a=1");
    }

    @Test
    void validity_asTheW3cRulesSay() {
        assertThat(TraceContext.valid("00-" + TRACE + "-" + SPAN + "-01")).isTrue();
        // a later version may append fields; version 00 may not
        assertThat(TraceContext.valid("01-" + TRACE + "-" + SPAN + "-01-extra")).isTrue();
        assertThat(TraceContext.valid("00-" + TRACE + "-" + SPAN + "-01-extra")).isFalse();
        assertThat(TraceContext.valid("01-" + TRACE + "-" + SPAN + "-01x")).isFalse();
        assertThat(TraceContext.valid("ff-" + TRACE + "-" + SPAN + "-01")).isFalse();
        assertThat(TraceContext.valid("00-" + "0".repeat(32) + "-" + SPAN + "-01")).isFalse();
        assertThat(TraceContext.valid("00-" + TRACE + "-" + "0".repeat(16) + "-01")).isFalse();
        assertThat(TraceContext.valid("00-" + TRACE.toUpperCase() + "-" + SPAN + "-01")).isFalse();
        assertThat(TraceContext.valid("00-" + TRACE + "-" + SPAN + "-0g")).isFalse();
        assertThat(TraceContext.valid("00_" + TRACE + "-" + SPAN + "-01")).isFalse();
        assertThat(TraceContext.valid("00-" + TRACE + "-" + SPAN)).isFalse();
        assertThat(TraceContext.valid("")).isFalse();
    }

    @Test
    void invalid_traceparent_startsANewTrace_andDropsTracestate() {
        HttpHeaders headers = new DefaultHttpHeaders().set("traceparent", "00-" + TRACE.toUpperCase() + "-" + SPAN + "-01")
                .set("tracestate", "a=1");
        String value = TraceContext.continueOrStart(headers).toString();
        assertThat(value).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01").doesNotContain(TRACE.toUpperCase());
        assertThat(headers.contains("tracestate")).isFalse();
    }

    @Test
    void requestIds_safeKept_elseAVersion4Uuid() {
        HttpHeaders kept = new DefaultHttpHeaders().set(RequestIds.HEADER, "abc.DEF_1:2-3");
        assertThat(RequestIds.ensure(kept)).isEqualTo("abc.DEF_1:2-3");
        for (String bad : new String[] {"", "a b", "x".repeat(129), "é", "a/b"}) {
            HttpHeaders headers = new DefaultHttpHeaders().set(RequestIds.HEADER, bad);
            String id = RequestIds.ensure(headers);
            UUID uuid = UUID.fromString(id);
            assertThat(uuid.version()).isEqualTo(4);
            assertThat(uuid.variant()).isEqualTo(2);
            assertThat(headers.get(RequestIds.HEADER)).isEqualTo(id);
        }
        assertThat(RequestIds.safe("x".repeat(128))).isTrue();
        assertThat(RequestIds.newId()).isNotEqualTo(RequestIds.newId());
    }
}
