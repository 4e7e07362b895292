package io.meshid.policy;

import io.meshid.common.testing.ServerConventionsContract;
import java.util.List;

class PolicyServerConventionsTest extends ServerConventionsContract {

    @Override
    protected String applicationName() {
        return "policy-server";
    }

    @Override
    protected List<String> expectedServices() {
        return List.of("meshid.policy.v1.PolicyService", "meshid.policy.v1.PolicyAdminService", "envoy.service.auth.v3.Authorization");
    }
}
