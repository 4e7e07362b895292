package io.meshid.sidecar.proxy;

import io.meshid.common.spiffe.SpiffeId;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.List;

/**
 * The identity headers of the data path. Whatever arrives from outside under these names is
 * removed before a request goes anywhere, on both listeners: only the sidecar says who called. The
 * inbound listener then adds {@code x-forwarded-client-cert} in Envoy's form,
 * {@code By=<this workload's SPIFFE ID>;URI=<the verified peer's SPIFFE ID>}. Stateless.
 */
public final class IdentityHeaders {

    /** The header that carries the verified peer identity to the workload. */
    public static final String XFCC = "x-forwarded-client-cert";

    /** Removed from every request that enters the sidecar. */
    public static final List<String> STRIPPED = List.of(XFCC, "x-meshid-peer-id", "x-meshid-peer-spiffe-id",
            "x-spiffe-id", "x-client-cert", "x-ssl-client-cert", "x-ssl-client-dn", "x-ssl-client-verify",
            "ssl-client-cert", "x-forwarded-client-cert-chain");

    private IdentityHeaders() {
    }

    /** {@link #STRIPPED} as AsciiStrings, which cache their (case-insensitive) hash: ten lookups per request. */
    private static final AsciiString[] STRIPPED_ASCII = STRIPPED.stream().map(AsciiString::cached)
            .toArray(AsciiString[]::new);

    private static final AsciiString XFCC_ASCII = AsciiString.cached(XFCC);

    /** Removes every identity header (names compare case-insensitively). */
    public static void strip(HttpHeaders headers) {
        for (AsciiString name : STRIPPED_ASCII) {
            headers.remove(name);
        }
    }

    /** Sets {@code x-forwarded-client-cert} to {@code value}, made by {@link #xfcc}. */
    public static void setXfcc(HttpHeaders headers, AsciiString value) {
        headers.set(XFCC_ASCII, value);
    }

    /**
     * {@code By=<own>;URI=<peer>}, quoting nothing because SPIFFE IDs hold no {@code ,;="}; as
     * bytes, so that a caller can keep it for a connection and the encoder copies it as it is.
     */
    public static AsciiString xfcc(SpiffeId own, SpiffeId peer) {
        return new AsciiString("By=" + own + ";URI=" + peer);
    }
}
