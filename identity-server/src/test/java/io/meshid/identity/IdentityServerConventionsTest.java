package io.meshid.identity;

import io.meshid.common.testing.ServerConventionsContract;
import io.meshid.identity.jwt.JwtTestContexts;
import java.util.List;
import java.util.Map;

class IdentityServerConventionsTest extends ServerConventionsContract {

    @Override
    protected String applicationName() {
        return "identity-server";
    }

    @Override
    protected List<String> expectedServices() {
        return List.of("meshid.identity.v1.IdentityService", "meshid.identity.v1.RegistryService");
    }

    @Override
    protected Map<String, Object> extraProperties() {
        return Map.of("meshid.identity.key-encryption-key", JwtTestContexts.TEST_KEK);
    }
}
