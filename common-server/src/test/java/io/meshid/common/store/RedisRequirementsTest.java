package io.meshid.common.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisURI;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * How Redis is reached, checked from the URI before connecting: plain TCP to another machine and
 * no password are each one WARN line that says what to do; TLS with a password, or this machine
 * with a password, says nothing. Never the password in the text.
 */
class RedisRequirementsTest {

    @Test
    void plainTcpToAnotherMachine_withoutAPassword_isWarnedAboutTwice() {
        List<String> warnings = warnings("redis://10.1.2.3:6379");
        assertThat(warnings).hasSize(2);
        assertThat(warnings.get(0)).contains("plain TCP (redis://)", "use rediss://", "docs/operations.md");
        assertThat(warnings.get(1)).contains("without a password", "requirepass", "docs/operations.md");
        assertThat(warnings).allSatisfy(w -> assertThat(w).doesNotContain("\n"));
    }

    @Test
    void plainTcpToAnotherMachine_withAPassword_isWarnedAboutTheTransportOnly_andTheWarningHoldsNoPassword() {
        List<String> warnings = warnings("redis://:s3cret-pw@10.1.2.3:6379");
        assertThat(warnings).singleElement().asString().contains("plain TCP").doesNotContain("s3cret-pw");
    }

    @Test
    void tlsWithAPassword_orLoopbackWithAPassword_isNotWarnedAbout() {
        assertThat(warnings("rediss://:pw@10.1.2.3:6379")).isEmpty();
        assertThat(warnings("redis://user:pw@127.0.0.1:6379")).isEmpty();
        assertThat(warnings("redis://:pw@[::1]:6379")).isEmpty();
        assertThat(warnings("redis://:pw@localhost:6379")).isEmpty();
    }

    @Test
    void loopbackWithoutAPassword_isWarnedAboutThePassword() {
        assertThat(warnings("redis://127.0.0.1:6379")).singleElement().asString().contains("without a password");
    }

    private static List<String> warnings(String uri) {
        return RedisRequirements.transportWarnings(RedisURI.create(uri), RedisUris.mask(uri));
    }
}
