package io.meshid.common.server;

import com.google.common.net.InetAddresses;
import java.net.InetAddress;

/**
 * An IPv4 or IPv6 address block such as {@code 10.0.0.0/8} or {@code fd00::/8}; a bare address is
 * a block of one. Parsed without any name lookup. Immutable and thread-safe.
 *
 * @param network the block's address bytes, host bits cleared
 * @param prefix  how many leading bits a member shares with {@code network}
 */
public record Cidr(byte[] network, int prefix) {

    /**
     * Parses {@code text}.
     *
     * @throws IllegalArgumentException naming {@code text} and what was expected
     */
    public static Cidr parse(String text) {
        String t = text == null ? "" : text.strip();
        int slash = t.indexOf('/');
        String address = slash < 0 ? t : t.substring(0, slash);
        byte[] bytes;
        try {
            bytes = InetAddresses.forString(address).getAddress();
        } catch (IllegalArgumentException e) {
            throw invalid(text);
        }
        int max = bytes.length * 8;
        int prefix = max;
        if (slash >= 0) {
            String bits = t.substring(slash + 1);
            if (!bits.matches("\\d{1,3}") || Integer.parseInt(bits) > max) {
                throw invalid(text);
            }
            prefix = Integer.parseInt(bits);
        }
        return new Cidr(mask(bytes, prefix), prefix);
    }

    private static IllegalArgumentException invalid(String text) {
        return new IllegalArgumentException("'" + text + "' (expected: an IPv4 or IPv6 address or CIDR block, such as "
                + "10.0.0.0/8, 192.0.2.7 or fd00::/8)");
    }

    /** Whether {@code address} lies in this block (an IPv4 address never lies in an IPv6 block, nor the reverse). */
    public boolean contains(InetAddress address) {
        byte[] a = address.getAddress();
        return a.length == network.length && java.util.Arrays.equals(mask(a, prefix), network);
    }

    /** {@code bytes} with every bit after the first {@code prefix} cleared (a copy). */
    static byte[] mask(byte[] bytes, int prefix) {
        byte[] out = bytes.clone();
        for (int i = 0; i < out.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - i * 8));
            out[i] = (byte) (out[i] & (0xFF00 >> keep));
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr c && c.prefix == prefix && java.util.Arrays.equals(c.network, network);
    }

    @Override
    public int hashCode() {
        return 31 * java.util.Arrays.hashCode(network) + prefix;
    }

    @Override
    public String toString() {
        try {
            return InetAddresses.toAddrString(InetAddress.getByAddress(network)) + "/" + prefix;
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
