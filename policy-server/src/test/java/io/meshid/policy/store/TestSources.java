package io.meshid.policy.store;

import java.util.List;

/** Policy sets for tests: one schema and a few policies that validate against it. */
public final class TestSources {

    /** Workloads call services; both carry trust_domain and path. */
    public static final String SCHEMA = """
            entity Workload { trust_domain: String, path: String };
            entity Service { trust_domain: String, path: String };
            action call appliesTo { principal: [Workload], resource: [Service], context: { path: String } };
            """;

    /** Two valid static policies, a and b. */
    public static final String POLICIES = """
            @id("a")
            permit(principal == Workload::"spiffe://td.test/ns/a/sa/x", action == Action::"call", resource);

            // b forbids one path
            @id("b")
            forbid(principal, action == Action::"call", resource) when { context.path == "/admin" };
            """;

    private TestSources() {
    }

    /** {@link #SCHEMA} with {@code policies}, no templates. */
    public static PolicySetSource of(String policies) {
        return new PolicySetSource(PolicySetSource.SchemaFormat.CEDAR, SCHEMA, policies, List.of(), List.of());
    }

    /** A valid set: {@link #POLICIES} and a template with one link. */
    public static PolicySetSource valid() {
        return new PolicySetSource(PolicySetSource.SchemaFormat.CEDAR, SCHEMA, POLICIES,
                List.of(new PolicySetSource.Template("t", "permit(principal == ?principal, action == Action::\"call\", resource);")),
                List.of(new PolicySetSource.Link("t", "t-x", java.util.Map.of("?principal", "Workload::\"spiffe://td.test/ns/b/sa/y\""))));
    }

    /** A valid set with one static policy whose id is {@code id}. */
    public static PolicySetSource single(String id) {
        return of("@id(\"" + id + "\") permit(principal, action == Action::\"call\", resource);");
    }
}
