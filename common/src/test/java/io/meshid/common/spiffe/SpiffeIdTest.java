package io.meshid.common.spiffe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SpiffeIdTest {

    @Test
    void parse_workloadId_exposesItsParts() {
        SpiffeId id = SpiffeId.parse("spiffe://prod.example.org/ns/payments/sa/api");

        assertThat(id.trustDomain()).isEqualTo(TrustDomain.of("prod.example.org"));
        assertThat(id.path()).isEqualTo("/ns/payments/sa/api");
        assertThat(id.namespace()).contains("payments");
        assertThat(id.serviceAccount()).contains("api");
        assertThat(id).hasToString("spiffe://prod.example.org/ns/payments/sa/api");
        assertThat(id.memberOf(TrustDomain.of("prod.example.org"))).isTrue();
    }

    @Test
    void parse_trustDomainOnly_hasNoPath() {
        SpiffeId id = SpiffeId.parse("spiffe://example.org");

        assertThat(id.path()).isEmpty();
        assertThat(id.segments()).isEmpty();
        assertThat(id.namespace()).isEmpty();
    }

    @Test
    void forWorkload_buildsDefaultShape() {
        SpiffeId id = SpiffeId.forWorkload(TrustDomain.of("td"), "ns1", "sa1");

        assertThat(id).isEqualTo(SpiffeId.parse("spiffe://td/ns/ns1/sa/sa1"));
    }

    @Test
    void parse_otherShape_hasNoNamespace() {
        assertThat(SpiffeId.parse("spiffe://td/db/primary").namespace()).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "''                                  | empty",
        "http://example.org/a                | spiffe://",
        "SPIFFE://example.org/a              | spiffe://",
        "spiffe://Example.org/a              | lowercase",
        "spiffe:///a                         | no trust domain",
        "spiffe://example.org/               | empty segment",
        "spiffe://example.org/a//b           | empty segment",
        "spiffe://example.org/a/./b          | '.' segment",
        "spiffe://example.org/a/../b         | '..' segment",
        "spiffe://example.org/a?x=1          | query",
        "spiffe://example.org/a#frag         | fragment",
        "spiffe://example.org:8443/a         | port",
        "spiffe://user@example.org/a         | user info",
        "spiffe://example.org/a b            | letters, digits",
        "spiffe://exa%20mple.org/a           | lowercase letters",
    })
    void parse_invalid_namesTheProblem(String input, String expectedInMessage) {
        assertThatThrownBy(() -> SpiffeId.parse(input))
                .isInstanceOf(InvalidSpiffeIdException.class)
                .hasMessageContaining(expectedInMessage)
                .hasMessageContaining("expected");
    }

    @Test
    void parse_tooLong_isRejectedWithLimit() {
        String longPath = "/" + "a".repeat(SpiffeId.MAX_LENGTH);

        assertThatThrownBy(() -> SpiffeId.parse("spiffe://td" + longPath))
                .isInstanceOf(InvalidSpiffeIdException.class)
                .hasMessageContaining("at most 2048");
    }

    @Test
    void parse_controlCharacters_areNotEchoedRaw() {
        assertThatThrownBy(() -> SpiffeId.parse("spiffe://td/a\nb"))
                .isInstanceOf(InvalidSpiffeIdException.class)
                .hasMessageNotContaining("\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"prod.example.org", "a", "td-1_x.local"})
    void trustDomain_valid(String name) {
        assertThat(TrustDomain.of(name).name()).isEqualTo(name);
        assertThat(TrustDomain.of(name).idString()).isEqualTo("spiffe://" + name);
    }

    @Test
    void trustDomain_fromSpiffeUri_takesTheAuthority() {
        assertThat(TrustDomain.of("spiffe://example.org/ns/a/sa/b")).isEqualTo(TrustDomain.of("example.org"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Prod.example.org", "a/b", "a b", "ü.org"})
    void trustDomain_invalid_isRejected(String name) {
        assertThatThrownBy(() -> TrustDomain.of(name))
                .isInstanceOf(InvalidSpiffeIdException.class)
                .hasMessageContaining("expected");
    }

    @Test
    void trustDomain_tooLong_isRejected() {
        assertThatThrownBy(() -> TrustDomain.of("a".repeat(256)))
                .hasMessageContaining("at most 255");
    }
}
