package io.meshid.policy.decision;

import io.meshid.common.server.MeshidConfig;
import io.meshid.policy.PolicyConfig;
import io.meshid.policy.activation.ActivePolicies;
import io.meshid.policy.decisionlog.DecisionLog;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;

/** Builds the real decision service for tests in other packages. */
public final class Decisions {

    private Decisions() {}

    public static DecisionService service(ActivePolicies policies, PolicyConfig config, DecisionLog log, MeterRegistry meters,
            Clock clock) {
        return new DefaultDecisionService(policies, new MeshidConfig(), config, log, meters, clock);
    }
}
