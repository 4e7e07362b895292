package io.meshid.common.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class RequestIdsTest {

    @Test
    void newIdsAreVersion4UuidsAndDistinct() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            String id = RequestIds.create();
            UUID uuid = UUID.fromString(id);
            assertThat(uuid.version()).isEqualTo(4);
            assertThat(uuid.variant()).isEqualTo(2);
            assertThat(uuid.toString()).isEqualTo(id);
            assertThat(RequestIds.acceptOrCreate(id)).as("a fresh id is itself well formed").isEqualTo(id);
            seen.add(id);
        }
        assertThat(seen).hasSize(10_000);
    }

    @Test
    void keepsAWellFormedOfferedId() {
        assertThat(RequestIds.acceptOrCreate("envoy-7f3a:1.2_b")).isEqualTo("envoy-7f3a:1.2_b");
    }

    @Test
    void replacesAnIdThatCouldInjectTextIntoLogs() {
        for (String bad : new String[] {"", "a b", "x\ny", "id\"}", "x".repeat(129), "ü"}) {
            String id = RequestIds.acceptOrCreate(bad);
            assertThat(id).isNotEqualTo(bad);
            assertThat(UUID.fromString(id).version()).isEqualTo(4);
        }
        assertThat(UUID.fromString(RequestIds.acceptOrCreate(null)).version()).isEqualTo(4);
    }

    @Test
    void callWith_makesTheIdCurrentAndLogged_onlyWhileTheBodyRuns() {
        assertThat(RequestIds.current()).isEqualTo("none");
        assertThat(RequestIds.ofCall()).isEmpty();
        String seen = RequestIds.callWith("http-42", () -> RequestIds.current() + "/" + org.slf4j.MDC.get(RequestIds.MDC_KEY)
                + "/" + RequestIds.ofCall().orElseThrow());
        assertThat(seen).isEqualTo("http-42/http-42/http-42");
        assertThat(RequestIds.current()).isEqualTo("none");
        assertThat(org.slf4j.MDC.get(RequestIds.MDC_KEY)).isNull();
    }
}
