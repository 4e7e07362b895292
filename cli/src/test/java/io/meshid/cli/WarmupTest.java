package io.meshid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.Provider;
import java.security.Security;
import java.util.List;

import org.junit.jupiter.api.Test;

class WarmupTest {

    @Test
    void theWarmUpRegistersNoProvider() {
        // A provider added while a handshake picks its signature algorithms made the client send no
        // certificate (one command in three): the warm-up runs beside the handshake, so it must not.
        List<Provider> before = List.of(Security.getProviders());

        Warmup.run();

        assertThat(Security.getProviders()).containsExactlyElementsOf(before);
    }
}
