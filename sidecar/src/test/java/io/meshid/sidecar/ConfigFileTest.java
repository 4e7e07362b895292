package io.meshid.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshid.common.spiffe.SpiffeId;
import io.meshid.sidecar.config.ConfigFile;
import io.meshid.sidecar.config.SvidSetting;
import io.meshid.sidecar.config.WorkloadApiSetting;
import io.meshid.common.identity.Evidence;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFileTest {

    private static final String SVID_LINE = "svid: {cert: /run/svid.pem, key: /run/svid.key, bundle: /run/bundle.pem,"
            + " cert_authority: \"ca:7001\", cert_authority_id: \"spiffe://example.org/meshid/cert-authority\"}\n";

    private static final String GOOD = """
            svid: {cert: /run/svid.pem, key: /run/svid.key, bundle: /run/bundle.pem, cert_authority: "ca:7001", cert_authority_id: "spiffe://example.org/meshid/cert-authority"}
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
        assertThat(file.svid()).isEqualTo(new SvidSetting.Files(Path.of("/run/svid.pem"), Path.of("/run/svid.key"),
                Path.of("/run/bundle.pem"), "ca:7001", SpiffeId.parse("spiffe://example.org/meshid/cert-authority")));
        assertThat(file.workloadApi()).isEmpty();
    }

    @Test
    void identitySection_attestsWithTheTokenFromItsFile_andOpensTheWorkloadApi() throws Exception {
        Path token = dir.resolve("join-token");
        Files.writeString(token, "tok-123\n");
        ConfigFile file = ConfigFile.read(write(attested(token)));
        SvidSetting.Attested attested = (SvidSetting.Attested) file.svid();
        assertThat(attested.identity().evidence()).isEqualTo(new Evidence.JoinToken("tok-123"));
        assertThat(attested.identity().identityServer()).isEqualTo("127.0.0.1:7002");
        assertThat(file.workloadApi()).contains(new WorkloadApiSetting(Path.of("/run/meshid/workload.sock"), false));
        assertThat(file.workloadApi().orElseThrow().permissions()).hasSize(2);
    }

    @Test
    void badIdentitySettings_areRefusedWithTheKey() throws Exception {
        Path token = dir.resolve("join-token");
        Files.writeString(token, "tok-123");
        String good = attested(token);
        assertThatThrownBy(() -> ConfigFile.read(write(good + "svid: {cert: a, key: b, bundle: c}\n")))
                .hasMessageStartingWith("svid and identity: both present");
        assertThatThrownBy(() -> ConfigFile.read(write(GOOD.replace(SVID_LINE, ""))))
                .hasMessageStartingWith("svid or identity: missing");
        assertThatThrownBy(() -> ConfigFile.read(write(good.replace(token.toString(), dir.resolve("absent").toString()))))
                .hasMessageStartingWith("identity.join_token_file:").hasMessageContaining("cannot be read");
        assertThatThrownBy(() -> ConfigFile.read(write(good.replace("spiffe://mesh.test/meshid/cert-authority",
                "spiffe://other.test/meshid/cert-authority")))).hasMessageStartingWith("identity:")
                .hasMessageContaining("different trust domains");
        assertThatThrownBy(() -> ConfigFile.read(write(GOOD + "workload_api: {socket: /run/w.sock}\n")))
                .hasMessageStartingWith("workload_api: needs an identity section");
        Files.writeString(token, "  \n");
        assertThatThrownBy(() -> ConfigFile.read(write(good))).hasMessageContaining("is empty");
    }

    private static String attested(Path token) {
        return GOOD.replace(SVID_LINE, """
                identity:
                  identity_server: "127.0.0.1:7002"
                  identity_server_id: spiffe://mesh.test/meshid/identity-server
                  cert_authority: "127.0.0.1:7001"
                  cert_authority_id: spiffe://mesh.test/meshid/cert-authority
                  bootstrap_bundle: /run/bundle.pem
                  join_token_file: %s
                workload_api: {socket: /run/meshid/workload.sock}
                """.formatted(token));
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

    @Test
    void svidFilesWithoutCertAuthority_areRefused_sinceRevocationsCouldNotBeKnown() throws Exception {
        String noCa = GOOD.replace(", cert_authority: \"ca:7001\", cert_authority_id: \"spiffe://example.org/meshid/cert-authority\"", "");
        assertThatThrownBy(() -> ConfigFile.read(write(noCa))).hasMessageStartingWith("svid.cert_authority: null");
        assertThatThrownBy(() -> ConfigFile.read(write(GOOD.replace("\"ca:7001\"", "\"ca\""))))
                .hasMessageStartingWith("svid.cert_authority: \"ca\" (expected: host:port)");
    }

    private Path write(String text) throws Exception {
        Path p = dir.resolve("sidecar.yaml");
        Files.writeString(p, text);
        return p;
    }
}
