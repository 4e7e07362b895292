package io.meshid.common.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.net.InetAddresses;
import io.micronaut.context.exceptions.ConfigurationException;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Per-source keys (IPv6 per /64) and the client address behind trusted proxies. */
class SourceAddressesTest {

    private static final List<Cidr> PROXIES = List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("fd00::/8"));

    private static InetAddress ip(String text) {
        return InetAddresses.forString(text);
    }

    private static String client(String peer, String... forwardedFor) {
        return InetAddresses.toAddrString(SourceAddresses.client(ip(peer), List.of(forwardedFor), PROXIES));
    }

    @Test
    void everyAddressOfOneIpv6Slash64_countsAsOneSource() {
        assertThat(SourceAddresses.limitKey("2001:db8:1:2::a")).isEqualTo("2001:db8:1:2::/64");
        assertThat(SourceAddresses.limitKey("2001:db8:1:2:ffff:ffff:ffff:ffff")).isEqualTo("2001:db8:1:2::/64");
        assertThat(SourceAddresses.limitKey("2001:db8:1:3::a")).isEqualTo("2001:db8:1:3::/64");
    }

    @Test
    void ipv4_andIpv4MappedIntoIpv6_countPerAddress() {
        assertThat(SourceAddresses.limitKey("192.0.2.7")).isEqualTo("192.0.2.7");
        assertThat(SourceAddresses.limitKey("::ffff:192.0.2.7")).isEqualTo("192.0.2.7");
        assertThat(SourceAddresses.limitKey("unknown")).isEqualTo("unknown");
    }

    @Test
    void forwardedFor_isBelievedOnlyFromATrustedProxy() {
        assertThat(client("10.1.2.3", "198.51.100.9")).isEqualTo("198.51.100.9");
        assertThat(client("203.0.113.5", "198.51.100.9")).as("an untrusted peer names itself only").isEqualTo("203.0.113.5");
    }

    @Test
    void aSpoofedChain_yieldsTheFirstUntrustedHopFromTheRight() {
        // The client wrote "1.1.1.1" itself; the proxies appended what they saw.
        assertThat(client("10.0.0.1", "1.1.1.1, 198.51.100.9, 10.0.0.2")).isEqualTo("198.51.100.9");
        assertThat(client("10.0.0.1", "1.1.1.1", "198.51.100.9")).isEqualTo("198.51.100.9");
    }

    @Test
    void aMalformedOrOverlongChain_isIgnored() {
        assertThat(client("10.0.0.1", "evil.example.org")).isEqualTo("10.0.0.1");
        assertThat(client("10.0.0.1", "198.51.100.9, not-an-ip")).isEqualTo("10.0.0.1");
        assertThat(client("10.0.0.1", String.join(",", java.util.Collections.nCopies(17, "10.0.0.3")))).isEqualTo("10.0.0.1");
    }

    @Test
    void onlyTrustedHops_yieldTheOutermost() {
        assertThat(client("10.0.0.1", "fd00::1, 10.0.0.2")).isEqualTo("fd00::1");
    }

    @Test
    void badTrustedProxies_failStartUpNamingTheKey() {
        GrpcLimitsConfig config = new GrpcLimitsConfig();
        assertThatThrownBy(() -> config.setTrustedProxies(List.of("10.0.0.0/8", "10.0.0.0/33")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("meshid.grpc.trusted-proxies[1]: '10.0.0.0/33' (expected: an IPv4 or IPv6 address or CIDR block, "
                        + "such as 10.0.0.0/8, 192.0.2.7 or fd00::/8)");
        assertThatThrownBy(() -> config.setTrustedProxies(List.of("proxy.internal")))
                .hasMessageStartingWith("meshid.grpc.trusted-proxies[0]: 'proxy.internal'");
        assertThatThrownBy(() -> config.setMaxConcurrentCallsPerConnection(0))
                .hasMessage("meshid.grpc.max-concurrent-calls-per-connection: 0 (expected: between 1 and 100000)");
    }

    @Test
    void cidr_matchesItsBlockOnly() {
        Cidr block = Cidr.parse("2001:db8::/32");
        assertThat(block.contains(ip("2001:db8:ffff::1"))).isTrue();
        assertThat(block.contains(ip("2001:db9::1"))).isFalse();
        assertThat(block.contains(ip("10.0.0.1"))).isFalse();
        assertThat(Cidr.parse("192.0.2.7").toString()).isEqualTo("192.0.2.7/32");
        assertThat(Cidr.parse("10.1.2.3/8")).isEqualTo(Cidr.parse("10.0.0.0/8"));
    }
}
