package io.meshid.common.server;

import com.google.common.net.InetAddresses;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/**
 * Who a call comes from, on the network: the client address behind trusted proxies, and the key
 * under which per-source limits count it. Stateless and thread-safe.
 */
public final class SourceAddresses {

    /** Most {@code x-forwarded-for} entries looked at; a longer chain is not believed at all. */
    static final int MAX_FORWARDED_HOPS = 16;

    private SourceAddresses() {
    }

    /**
     * The key per-source limits count {@code address} under: an IPv6 address by its /64 (one
     * subscriber or host typically holds a whole /64, so counting each of its 2^64 addresses apart
     * would be no limit at all), written {@code 2001:db8:1:2::/64}; an IPv4 address (also one
     * mapped into IPv6) as itself; anything that is not an address literal as it is.
     */
    public static String limitKey(String address) {
        if (address == null || !InetAddresses.isInetAddress(address)) {
            return address;
        }
        InetAddress a = unmapped(InetAddresses.forString(address));
        if (a instanceof Inet6Address v6) {
            return InetAddresses.toAddrString(bytes(Cidr.mask(v6.getAddress(), 64))) + "/64";
        }
        return InetAddresses.toAddrString(a);
    }

    /**
     * The client's address for a call whose transport peer is {@code peer}. Only when {@code peer}
     * lies in one of {@code trustedProxies} is the {@code x-forwarded-for} chain believed: read
     * from the right (the hop nearest this server), every entry that is itself a trusted proxy is
     * skipped, and the first one that is not is the client. An entry that is not an IP literal, or
     * a chain longer than {@value #MAX_FORWARDED_HOPS} entries, makes the whole header ignored and
     * the peer's address is used, as it is without a trusted peer or without the header.
     */
    public static InetAddress client(InetAddress peer, List<String> forwardedFor, List<Cidr> trustedProxies) {
        if (trustedProxies.isEmpty() || forwardedFor.isEmpty() || !trusted(peer, trustedProxies)) {
            return peer;
        }
        List<String> hops = forwardedFor.stream().flatMap(h -> java.util.Arrays.stream(h.split(","))).map(String::strip).toList();
        if (hops.size() > MAX_FORWARDED_HOPS) {
            return peer;
        }
        InetAddress client = peer;
        for (int i = hops.size() - 1; i >= 0; i--) {
            Optional<InetAddress> hop = literal(hops.get(i));
            if (hop.isEmpty()) {
                return peer;
            }
            client = hop.get();
            if (!trusted(client, trustedProxies)) {
                return client;
            }
        }
        return client;
    }

    private static boolean trusted(InetAddress address, List<Cidr> trustedProxies) {
        InetAddress a = unmapped(address);
        for (Cidr c : trustedProxies) {
            if (c.contains(a)) {
                return true;
            }
        }
        return false;
    }

    private static Optional<InetAddress> literal(String text) {
        return text.isEmpty() || !InetAddresses.isInetAddress(text) ? Optional.empty()
                : Optional.of(unmapped(InetAddresses.forString(text)));
    }

    /** An IPv4-mapped IPv6 address as the IPv4 address it stands for. */
    static InetAddress unmapped(InetAddress a) {
        if (a instanceof Inet6Address v6 && isMappedV4(v6.getAddress())) {
            return bytes(java.util.Arrays.copyOfRange(v6.getAddress(), 12, 16));
        }
        return a;
    }

    private static boolean isMappedV4(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return b[10] == (byte) 0xFF && b[11] == (byte) 0xFF;
    }

    private static InetAddress bytes(byte[] b) {
        try {
            return b.length == 4 ? Inet4Address.getByAddress(b) : InetAddress.getByAddress(b);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
