package io.meshid.policy.activation;

import io.meshid.common.spiffe.TrustDomain;
import io.meshid.policy.cedar.CompiledPolicySet;
import io.meshid.policy.cedar.EngineKind;
import io.meshid.policy.store.PolicyStore;
import io.meshid.policy.store.StoredPolicySet;
import io.meshid.policy.validation.PolicySetValidator;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one stored version and compiles it into a {@link PolicyVersion} with the configured engine.
 * A version that cannot be read or compiled (it was validated when stored, so this means a
 * damaged row or a Cedar upgrade that refuses it) is logged and the previous one kept. Not
 * thread-safe by contract: used from the reload thread only.
 */
final class VersionLoader {

    private static final Logger LOG = LoggerFactory.getLogger(VersionLoader.class);

    private final PolicyStore store;
    private final EngineKind engine;
    private final int slicesPerThread;

    VersionLoader(PolicyStore store, EngineKind engine, int slicesPerThread) {
        this.store = store;
        this.engine = engine;
        this.slicesPerThread = slicesPerThread;
    }

    /** Version {@code number} of {@code domain} (empty for 0), or {@code previous} when it fails to load. */
    Optional<PolicyVersion> load(TrustDomain domain, long number, Optional<Instant> since, Optional<PolicyVersion> previous) {
        if (number == 0) {
            return Optional.empty();
        }
        Optional<StoredPolicySet> stored = store.version(domain, number);
        if (stored.isEmpty()) {
            throw new IllegalStateException("policy store: version " + number + " of " + domain + " is named by its head but missing");
        }
        try {
            CompiledPolicySet compiled = PolicySetValidator.compile(stored.get().source());
            Instant at = since.orElse(stored.get().info().createdAt());
            if (engine == EngineKind.JAVA && compiled.nativeOnlyPolicies() > 0) {
                LOG.info("policy versions: version {} of {}: {} policies use Cedar features the Java evaluator lacks; "
                        + "their slices are decided natively", number, domain, compiled.nativeOnlyPolicies());
            }
            return Optional.of(new PolicyVersion(domain, number, at, compiled, compiled.engine(engine, slicesPerThread)));
        } catch (RuntimeException e) {
            LOG.error("policy versions: version {} of {} does not compile ({}); keeping version {}", number, domain,
                    e.getMessage(), previous.map(p -> String.valueOf(p.version())).orElse("none (deny all)"));
            return previous;
        }
    }
}
