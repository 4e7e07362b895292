package io.meshid.sidecar.proxy;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * W3C trace context through the sidecar: a valid {@code traceparent} keeps its trace id and flags
 * and gets a new span id, the sidecar's own span, whose parent is the caller's; an absent or
 * malformed one is replaced by a new trace (sampled). {@code tracestate} passes through unchanged
 * (and is dropped with a malformed {@code traceparent}, as the W3C recommendation says). Stateless.
 */
public final class TraceContext {

    /** The W3C header name. */
    public static final String TRACEPARENT = "traceparent";

    /** {@code vv-<32 hex trace id>-<16 hex span id>-ff}, then {@code -<anything>} from a later version. */
    private static final int LENGTH = 55;
    // AsciiStrings cache their hash (the lookups run on every request)
    private static final AsciiString TRACEPARENT_ASCII = AsciiString.cached(TRACEPARENT);
    private static final AsciiString TRACESTATE = AsciiString.cached("tracestate");
    private static final String ZERO_TRACE = "0".repeat(32);
    private static final String ZERO_SPAN = "0".repeat(16);
    private static final byte[] HEX_DIGITS = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private TraceContext() {
    }

    /**
     * Replaces the request's {@code traceparent} by the sidecar's span; returns the new value. The
     * value is made as bytes in one array (this runs on every request; the encoder copies it as it is).
     */
    public static AsciiString continueOrStart(HttpHeaders headers) {
        String incoming = headers.get(TRACEPARENT_ASCII);
        byte[] out = new byte[LENGTH];
        boolean continued = false;
        if (incoming != null) {
            String v = incoming.trim();
            if (valid(v)) {
                for (int i = 3; i < 35; i++) {
                    out[i] = (byte) v.charAt(i);
                }
                out[53] = (byte) v.charAt(53);
                out[54] = (byte) v.charAt(54);
                continued = true;
            }
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        if (!continued) {
            randomHex(random, out, 3, 2);
            out[53] = '0';
            out[54] = '1';
            headers.remove(TRACESTATE);
        }
        randomHex(random, out, 36, 1);
        out[0] = '0';
        out[1] = '0';
        out[2] = '-';
        out[35] = '-';
        out[52] = '-';
        AsciiString value = new AsciiString(out, false);
        headers.set(TRACEPARENT_ASCII, value);
        return value;
    }

    /**
     * The W3C rules, without a regular expression (this runs on every request): the version, trace
     * id, span id and flags in lower-case hex; version {@code ff} invalid; all-zero ids invalid;
     * version {@code 00} exactly 55 characters, a later version may append {@code -…}.
     */
    static boolean valid(String v) {
        int n = v.length();
        if (n < LENGTH || v.charAt(2) != '-' || v.charAt(35) != '-' || v.charAt(52) != '-'
                || !hex(v, 0, 2) || !hex(v, 3, 35) || !hex(v, 36, 52) || !hex(v, 53, 55)) {
            return false;
        }
        if (v.startsWith("ff") || v.regionMatches(3, ZERO_TRACE, 0, 32) || v.regionMatches(36, ZERO_SPAN, 0, 16)) {
            return false;
        }
        if (n == LENGTH) {
            return true;
        }
        if (v.startsWith("00") || v.charAt(LENGTH) != '-') {
            return false;
        }
        for (int i = LENGTH + 1; i < n; i++) {
            char c = v.charAt(i);
            if (c == '\n' || c == '\r' || c == '\u0085' || c == '\u2028' || c == '\u2029') {
                return false;
            }
        }
        return true;
    }

    private static boolean hex(String v, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = v.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    /** Writes {@code longs} random 64-bit words as lower-case hex at {@code at}; never all zeros. */
    private static void randomHex(ThreadLocalRandom random, byte[] out, int at, int longs) {
        long any;
        do {
            any = 0;
            for (int i = 0; i < longs; i++) {
                long r = random.nextLong();
                any |= r;
                for (int n = 0; n < 16; n++) {
                    out[at + 16 * i + n] = HEX_DIGITS[(int) (r >>> (60 - 4 * n)) & 0xf];
                }
            }
        } while (any == 0);
    }
}
