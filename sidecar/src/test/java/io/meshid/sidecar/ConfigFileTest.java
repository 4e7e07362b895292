package io.meshid.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshid.sidecar.config.ConfigFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFileTest {

    private static final String GOOD = """
            svid: {cert: /run/svid.pem, key: /run/svid.key, bundle: /run/bundle.pem}
            inbound: {listen: "0.0.0.0:15443", workload: "127.0.0.1:8080"}
            outbound: {listen: "127.0.0.1:15001"}
            routes:
              - {name: payments, address: "10.0.0.7:15443", spiffe_id: "spiffe://example.org/ns/pay/sa/api"}
            policy: {address: "127.0.0.1:8444", stale_if_error: PT10S, context_headers: [x-tenant]}
            limits: {header_read_timeout: PT5S, max_connections: 100}
            """;

    @TempDir
    Path dir;

    @Test
    void goodFile_isRead() throws Exception {
        ConfigFile file = ConfigFile.read(write(GOOD));
        assertThat(file.config().routes().lookup("Payments:80")).isPresent();
        assertThat(file.config().policy().staleIfError()).isEqualTo(Duration.ofSeconds(10));
        assertThat(file.config().limits().maxConnections()).isEqualTo(100);
        assertThat(file.config().limits().headerReadTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(file.certFile()).isEqualTo(Path.of("/run/svid.pem"));
    }

    @Test
    void misspeltKey_isRefusedWithItsName() throws Exception {
        Path p = write(GOOD.replace("stale_if_error", "stale_if_eror"));
        assertThatThrownBy(() -> ConfigFile.read(p)).hasMessageContaining("policy: unknown key \"stale_if_eror\"");
    }

    @Test
    void badRouteId_andBadAddress_areRefusedWithTheKey() throws Exception {
        assertThatThrownBy(() -> ConfigFile.read(write(GOOD.replace("spiffe://example.org/ns/pay/sa/api", "http://x"))))
                .hasMessageStartingWith("routes[].spiffe_id");
        assertThatThrownBy(() -> ConfigFile.read(write(GOOD.replace("10.0.0.7:15443", "10.0.0.7"))))
                .hasMessageStartingWith("routes[].address");
        assertThatThrownBy(() -> ConfigFile.read(write(GOOD.replace("PT10S", "PT1H"))))
                .hasMessageContaining("policy.stale_if_error");
    }

    private Path write(String text) throws Exception {
        Path p = dir.resolve("sidecar.yaml");
        Files.writeString(p, text);
        return p;
    }
}
