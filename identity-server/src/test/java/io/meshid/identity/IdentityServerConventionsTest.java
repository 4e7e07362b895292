package io.meshid.identity;

import io.meshid.common.testing.ServerConventionsContract;
import java.util.List;

class IdentityServerConventionsTest extends ServerConventionsContract {

    @Override
    protected String applicationName() {
        return "identity-server";
    }

    @Override
    protected List<String> expectedServices() {
        return List.of("meshid.identity.v1.IdentityService", "meshid.identity.v1.RegistryService");
    }
}
