package io.meshid.policy.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.testing.TestDatabase;
import io.meshid.policy.activation.ActivePolicies;
import io.micronaut.context.ApplicationContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The seed: stored as version 1 of an empty trust domain, left alone otherwise, start-up refused when invalid. */
class PolicySeedTest {

    private static final TrustDomain TD = TrustDomain.of("seed.test");

    @TempDir
    Path dir;

    private static Map<String, Object> properties(TestDatabase database, String seed) {
        Map<String, Object> p = new HashMap<>(database.properties("common", "policy-server"));
        p.put("meshid.trust-domain", TD.name());
        p.put("meshid.policy.seed-directory", seed);
        return p;
    }

    private void writeSeed(String policies) throws Exception {
        Files.writeString(dir.resolve("schema.cedarschema"), TestSources.SCHEMA);
        Files.writeString(dir.resolve("policies.cedar"), policies);
        Files.writeString(dir.resolve("templates.cedar"),
                "@id(\"caller\")\npermit(principal == ?principal, action == Action::\"call\", resource);\n");
        Files.writeString(dir.resolve("links.json"),
                "[{\"template_id\": \"caller\", \"link_id\": \"caller-a\", \"slots\": {\"?principal\": \"Workload::\\\"spiffe://seed.test/ns/a/sa/a\\\"\"}}]");
    }

    @Test
    void seed_isStoredAsVersionOne_andNotAgainOnTheNextStart() throws Exception {
        writeSeed(TestSources.POLICIES);
        try (TestDatabase database = TestDatabase.h2()) {
            try (ApplicationContext context = ApplicationContext.run(properties(database, dir.toString()))) {
                PolicyStore store = context.getBean(PolicyStore.class);
                StoredPolicySet one = store.get(TD, OptionalLong.empty(), false);
                assertThat(one.info().version()).isEqualTo(1);
                assertThat(one.info().author()).isEqualTo("spiffe://seed.test/meshid/policy-server");
                assertThat(one.info().comment()).isEqualTo("seed from " + dir);
                assertThat(one.info().policyCount()).isEqualTo(3);
                assertThat(one.source().templates()).extracting(PolicySetSource.Template::id).containsExactly("caller");
                assertThat(one.source().links()).extracting(PolicySetSource.Link::linkId).containsExactly("caller-a");
                assertThat(context.getBean(ActivePolicies.class).active(TD).orElseThrow().version()).isEqualTo(1);
            }
            try (ApplicationContext again = ApplicationContext.run(properties(database.keepOnClose(), dir.toString()))) {
                assertThat(again.getBean(PolicyStore.class).heads(TD).latest()).isEqualTo(1);
            }
        }
    }

    @Test
    void seed_fromTheClasspath_inJsonSchemaFormat() {
        try (TestDatabase database = TestDatabase.h2();
                ApplicationContext context = ApplicationContext.run(properties(database, "classpath:policy-seed"))) {
            StoredPolicySet one = context.getBean(PolicyStore.class).get(TD, OptionalLong.empty(), false);
            assertThat(one.source().schemaFormat()).isEqualTo(PolicySetSource.SchemaFormat.JSON);
            assertThat(one.info().comment()).isEqualTo("seed from classpath:policy-seed");
        }
    }

    @Test
    void invalidSeed_failsStartUp_namingTheFileAndTheError() throws Exception {
        writeSeed("@id(\"bad\") permit(principal is Nope, action == Action::\"call\", resource);");
        try (TestDatabase database = TestDatabase.h2()) {
            assertThatThrownBy(() -> ApplicationContext.run(properties(database, dir.toString())).close())
                    .satisfies(e -> assertThat(rootMessage(e))
                            .startsWith("meshid.policy.seed-directory: " + dir + " is not a valid policy set")
                            .contains("policies.cedar bad:1:")
                            .contains("Nope")
                            .doesNotContain("\n"));
        }
    }

    @Test
    void seedWithoutPolicies_failsStartUp() throws Exception {
        Files.writeString(dir.resolve("schema.cedarschema"), TestSources.SCHEMA);
        try (TestDatabase database = TestDatabase.h2()) {
            assertThatThrownBy(() -> ApplicationContext.run(properties(database, dir.toString())).close())
                    .satisfies(e -> assertThat(rootMessage(e)).contains("policies.cedar: missing"));
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage();
    }
}
