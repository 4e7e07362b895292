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

    /**
     * The name under which {@link #get()} can be asked for by name ({@code Signature.getInstance(alg,
     * name)}), for JDK code that takes only a provider's name, such as PKIX path validation's
     * {@code PKIXParameters.setSigProvider}; empty when it is the JDK's own provider (nothing to
     * register). Conscrypt is registered once, <em>last</em> in the provider list, so that no
     * lookup without a provider name changes: the JDK's providers still come first for every
     * algorithm they offer.
     */
    public static java.util.Optional<String> registeredName() {
        return java.util.Optional.ofNullable(REGISTERED);
    }

    private static final String REGISTERED = register();

    private static String register() {
        if (!"Conscrypt".equals(PROVIDER.getName())) {
            return null;
        }
        try {
            if (Security.getProvider(PROVIDER.getName()) == null) {
                Security.addProvider(PROVIDER);
            }
            return Security.getProvider(PROVIDER.getName()) != null ? PROVIDER.getName() : null;
        } catch (SecurityException e) {
            LOG.warn("cannot register {} as a JCA provider ({}); certificate chains are verified with the JDK's provider",
                    PROVIDER.getName(), e.toString());
            return null;
        }
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
