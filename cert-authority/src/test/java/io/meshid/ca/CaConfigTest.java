package io.meshid.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshid.common.testing.TestDatabase;
import io.micronaut.context.ApplicationContext;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CaConfigTest {

    @Test
    void defaults_areOneHourAndOneDay() {
        try (ApplicationContext context = ApplicationContext.run(properties(Map.of()))) {
            CaConfig config = context.getBean(CaConfig.class);

            assertThat(config.getDefaultSvidTtl()).isEqualTo(Duration.ofHours(1));
            assertThat(config.getMaxSvidTtl()).isEqualTo(Duration.ofHours(24));
        }
    }

    @Test
    void maxTtlOutOfBounds_failsStartUpNamingTheKey() {
        assertThatThrownBy(() -> ApplicationContext.run(properties(Map.of("meshid.ca.max-svid-ttl", "PT0S"))))
                .rootCause()
                .hasMessage("meshid.ca.max-svid-ttl: PT0S (expected: between PT1M and PT720H)");
    }

    @Test
    void defaultAboveMax_failsStartUpNamingBothKeys() {
        assertThatThrownBy(() -> ApplicationContext.run(properties(Map.of(
                        "meshid.ca.default-svid-ttl", "PT2H", "meshid.ca.max-svid-ttl", "PT1H"))))
                .rootCause()
                .hasMessageContaining("meshid.ca.max-svid-ttl: PT1H (expected: at least meshid.ca.default-svid-ttl, PT2H)");
    }

    @Test
    void missingKeyEncryptionKey_failsStartUpSayingHowToMakeOne() {
        Map<String, Object> p = properties(Map.of());
        p.remove("meshid.ca.key-encryption-key");
        assertThatThrownBy(() -> ApplicationContext.run(p).getBean(io.meshid.common.keys.KeySealer.class))
                .rootCause()
                .hasMessageContaining("meshid.ca.key-encryption-key-file: not set")
                .hasMessageContaining("head -c 32 /dev/urandom | base64");
    }

    @Test
    void intermediateTooShortForLeaves_failsStartUpNamingTheKey() {
        assertThatThrownBy(() -> ApplicationContext.run(properties(Map.of("meshid.ca.intermediate-ttl", "PT12H")))
                        .getBean(io.meshid.ca.authority.RotationPolicy.class))
                .rootCause()
                .hasMessageStartingWith("meshid.ca.intermediate-ttl: PT12H (expected: at least twice max-svid-ttl + publish-lead");
    }

    @Test
    void badTrustDomain_failsStartUpNamingTheKey() {
        assertThatThrownBy(() -> ApplicationContext.run(properties(Map.of("meshid.trust-domain", "Not A Domain"))))
                .rootCause()
                .hasMessageStartingWith("meshid.trust-domain (env MESHID_TRUST_DOMAIN): trust domain: 'Not A Domain'");
    }

    @Test
    void dnsNameSuffixes_bindPerTrustDomain_fromACommaSeparatedValue() {
        try (ApplicationContext context = ApplicationContext.run(properties(Map.of("meshid.ca.dns-name-suffixes",
                "a.test=svc.cluster.local,a.test=api.example.com,b.test=b.example.org")))) {
            CaConfig config = context.getBean(CaConfig.class);

            assertThat(config.allowedDnsSuffixes(io.meshid.common.spiffe.TrustDomain.of("a.test")))
                    .containsExactly("svc.cluster.local", "api.example.com");
            assertThat(config.allowedDnsSuffixes(io.meshid.common.spiffe.TrustDomain.of("c.test"))).isEmpty();
        }
    }

    @Test
    void badDnsNameSuffix_failsStartUpNamingTheKeyAndThePair() {
        for (String bad : java.util.List.of("a.test", "a.test=*.example.com", "Not A Domain=x.org", "a.test=")) {
            assertThatThrownBy(() -> ApplicationContext.run(properties(Map.of("meshid.ca.dns-name-suffixes", java.util.List.of(bad)))))
                    .as(bad).rootCause()
                    .hasMessageStartingWith("meshid.ca.dns-name-suffixes: '" + bad + "' (expected: <trust-domain>=<dns-suffix>");
        }
    }

    private static Map<String, Object> properties(Map<String, Object> overrides) {
        Map<String, Object> p = new HashMap<>(TestDatabase.h2().properties("common", "cert-authority"));
        p.put("meshid.ca.key-encryption-key", "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=");
        p.put("meshid.ca.bundle-endpoint.enabled", false);
        p.putAll(overrides);
        return p;
    }
}
