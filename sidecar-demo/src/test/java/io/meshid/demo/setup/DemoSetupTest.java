package io.meshid.demo.setup;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshid.common.spiffe.TrustDomain;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class DemoSetupTest {

    private static final TrustDomain TD = TrustDomain.of("d.test");

    @Test
    void withAPortBase_thePortsAreTheLaunchersOffsets() throws Exception {
        List<DemoWorkload> plan = DemoSetup.plan(TD, 7000);

        assertThat(plan).containsExactly(
                new DemoWorkload("whoami", "io.meshid.demo.whoami.WhoamiService", DemoWorkload.idOf(TD, "whoami"),
                        "127.0.0.1:7211", "127.0.0.1:7212", "127.0.0.1:7213"),
                new DemoWorkload("status", "io.meshid.demo.status.StatusService", DemoWorkload.idOf(TD, "status"),
                        "127.0.0.1:7221", "127.0.0.1:7222", "127.0.0.1:7223"));
    }

    @Test
    void withBaseZero_sixDistinctPortsAreChosen() throws Exception {
        List<DemoWorkload> plan = DemoSetup.plan(TD, 0);

        assertThat(plan.stream().flatMap(w -> List.of(w.workload(), w.inbound(), w.outbound()).stream()).distinct()).hasSize(6)
                .allMatch(a -> a.matches("127\\.0\\.0\\.1:[1-9]\\d*"));
    }

    @Test
    void demoPolicies_nameTheTrustDomainsWorkloads_andEachHasADemoId() throws Exception {
        String policies = DemoSetup.demoPolicies(TD);

        assertThat(policies).doesNotContain("TRUST_DOMAIN").contains("Workload::\"spiffe://d.test/demo/status\"")
                .contains("Service::\"spiffe://d.test/demo/whoami\"");
        assertThat(policies.split("@id\\(", -1)).hasSize(3);
        assertThat(policies.split(java.util.regex.Pattern.quote(DemoAdmin.POLICY_ID_PREFIX), -1)).hasSize(3);
    }

    @Test
    void sidecarYaml_routesThePeerByName_toItsInbound_withItsSpiffeId() throws Exception {
        List<DemoWorkload> plan = DemoSetup.plan(TD, 7000);

        String yaml = SidecarYaml.of(TD, plan.get(0), plan.get(1), "127.0.0.1:7001", "127.0.0.1:7002", "127.0.0.1:7003",
                Path.of("/d/bundle.pem"), Path.of("/d/demo/whoami/join-token"), Path.of("/d/demo/whoami/workload.sock"));

        assertThat(yaml).contains("  - {name: \"status\", address: \"127.0.0.1:7222\", spiffe_id: \"spiffe://d.test/demo/status\"}")
                .contains("inbound: {listen: \"127.0.0.1:7212\", workload: \"127.0.0.1:7211\"}")
                .contains("  spiffe_id: \"spiffe://d.test/demo/whoami\"")
                .contains("  identity_server_id: \"spiffe://d.test/meshid/identity-server\"")
                .contains("workload_api: {socket: \"/d/demo/whoami/workload.sock\"}");
    }
}
