package io.meshid.common.keys;

import java.security.Provider;
import java.security.Security;
import org.conscrypt.Conscrypt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JCA provider the CA signs and verifies with. BoringSSL through Conscrypt signs ECDSA P-256
 * about seven times and verifies about ten times faster than the JDK's own provider on these
 * machines (see docs/benchmarks.md), and signatures are most of the cost of an issuance; when
 * Conscrypt's native library cannot load on a platform, the JDK's provider is the fallback.
 */
public final class CryptoProvider {

    private static final Logger LOG = LoggerFactory.getLogger(CryptoProvider.class);

    private static final Provider PROVIDER = load();

    private CryptoProvider() {
    }

    /** The provider in use. */
    public static Provider get() {
        return PROVIDER;
    }

    /** Its name, for logs and benchmark reports. */
    public static String name() {
        return PROVIDER.getName();
    }

    private static Provider load() {
        try {
            if (Conscrypt.isAvailable()) {
                return Conscrypt.newProvider();
            }
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("Conscrypt is not available ({}); signing with the JDK's provider, about 7x slower", e.toString());
        }
        Provider fallback = Security.getProvider("SunEC");
        return fallback != null ? fallback : Security.getProviders()[0];
    }
}
