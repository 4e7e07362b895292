package io.meshid.common.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshid.common.identity.AttestedSvidSource;
import io.meshid.common.identity.Evidence;
import io.meshid.common.testing.TestDatabase;
import io.micronaut.context.ApplicationContext;
import io.micronaut.context.exceptions.ConfigurationException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which evidence a server's {@code meshid.tls.attest.*} settings name, and the one-line refusal of every bad combination. */
class AttestedServerIdentityTest {

    @TempDir
    Path dir;

    @Test
    void aJoinTokenFile_orAKubernetesTokenFileWithItsCluster_isTheEvidence() throws Exception {
        Path join = Files.writeString(dir.resolve("join"), "tok-123\n");
        Path k8s = Files.writeString(dir.resolve("k8s"), "eyJ...");

        assertThat(AttestedServerIdentity.evidence(join.toString(), "", "")).isEqualTo(new Evidence.JoinToken("tok-123"));
        assertThat(AttestedServerIdentity.evidence("", k8s.toString(), "prod")).isEqualTo(new Evidence.Kubernetes("prod", k8s));
    }

    @Test
    void badCombinations_stopStartUp_namingTheKey() throws Exception {
        Path join = Files.writeString(dir.resolve("join"), "tok-123");
        Path k8s = Files.writeString(dir.resolve("k8s"), "eyJ...");

        assertThatThrownBy(() -> AttestedServerIdentity.evidence(join.toString(), k8s.toString(), "prod"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("meshid.tls.attest.join-token-file: set together with meshid.tls.attest.kubernetes-token-file");
        assertThatThrownBy(() -> AttestedServerIdentity.evidence(join.toString(), "", "prod"))
                .hasMessageStartingWith("meshid.tls.attest.join-token-file: set together with meshid.tls.attest.kubernetes-cluster");
        assertThatThrownBy(() -> AttestedServerIdentity.evidence("", k8s.toString(), ""))
                .hasMessageStartingWith("meshid.tls.attest.kubernetes-cluster: not set (expected:");
        assertThatThrownBy(() -> AttestedServerIdentity.evidence("", "", "prod"))
                .hasMessageStartingWith("meshid.tls.attest.kubernetes-token-file: not set (expected:");
        assertThatThrownBy(() -> AttestedServerIdentity.evidence("", dir.resolve("missing").toString(), "prod"))
                .hasMessageStartingWith("meshid.tls.attest.kubernetes-token-file: cannot read");
        assertThatThrownBy(() -> AttestedServerIdentity.evidence("", k8s.toString(), "x".repeat(64)))
                .hasMessageStartingWith("meshid.tls.attest.kubernetes-cluster: kubernetes cluster:");
        assertThatThrownBy(() -> AttestedServerIdentity.evidence(dir.resolve("missing").toString(), "", ""))
                .hasMessageStartingWith("meshid.tls.attest.join-token-file: cannot read");
    }

    @Test
    void anyKubernetesSetting_wiresTheAttestedSource_andABadOneStopsItsCreation() {
        Map<String, Object> p = new HashMap<>(TestDatabase.h2().properties("common"));
        p.put("grpc.server.port", 0);
        try (ApplicationContext none = ApplicationContext.run(p)) {
            assertThat(none.containsBean(AttestedSvidSource.class)).isFalse();
        }
        p.put("meshid.tls.attest.kubernetes-cluster", "prod");
        try (ApplicationContext context = ApplicationContext.run(p)) {
            assertThatThrownBy(() -> context.getBean(AttestedSvidSource.class)).rootCause().isInstanceOf(ConfigurationException.class)
                    .hasMessageStartingWith("meshid.tls.attest.kubernetes-token-file: not set");
        }
    }
}
