package io.meshid.ca;

import io.meshid.common.testing.ServerConventionsContract;
import java.util.List;
import java.util.Map;

class CaServerConventionsTest extends ServerConventionsContract {

    @Override
    protected String applicationName() {
        return "cert-authority";
    }

    @Override
    protected Map<String, Object> extraProperties() {
        return Map.of("meshid.ca.key-encryption-key", "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=",
                "meshid.ca.bundle-endpoint.port", 0);
    }

    @Override
    protected List<String> expectedServices() {
        return List.of("meshid.ca.v1.CertificateAuthority");
    }
}
