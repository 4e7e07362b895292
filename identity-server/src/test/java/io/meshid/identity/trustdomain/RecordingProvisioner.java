package io.meshid.identity.trustdomain;

import io.meshid.common.spiffe.TrustDomain;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A provisioner for tests (only with {@code test.recording-provisioner=true}): records what it was asked to provision. */
@Singleton
@Requires(property = "test.recording-provisioner", value = "true")
public final class RecordingProvisioner implements TrustDomainProvisioner {

    private final List<TrustDomain> provisioned = new CopyOnWriteArrayList<>();

    @Override
    public void provision(TrustDomain domain) {
        provisioned.add(domain);
    }

    /** The trust domains provisioned so far, in order. */
    public List<TrustDomain> provisioned() {
        return List.copyOf(provisioned);
    }
}
