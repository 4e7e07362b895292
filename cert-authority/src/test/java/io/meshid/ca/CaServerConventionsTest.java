package io.meshid.ca;

import io.meshid.common.testing.ServerConventionsContract;
import java.util.List;

class CaServerConventionsTest extends ServerConventionsContract {

    @Override
    protected String applicationName() {
        return "cert-authority";
    }

    @Override
    protected List<String> expectedServices() {
        return List.of("meshid.ca.v1.CertificateAuthority");
    }
}
