package io.meshid.common.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A key manager that always presents the {@link SvidSource}'s current X.509-SVID, on the server
 * and on the client side, so a renewed SVID is used from the next handshake on without rebuilding
 * any TLS context. The peer's list of acceptable issuers is ignored: SPIFFE peers check the chain
 * against their own bundle.
 *
 * <p>The alias it chooses names one version of the SVID ({@code meshid-svid-<n>}), and the chain
 * and key are looked up by that alias: a handshake whose two lookups straddle a rotation still
 * gets a matching chain and key, and a TLS stack that caches key material by alias never keeps an
 * old SVID. The current and the previous version are remembered. A key type that does not match
 * the SVID's key ({@code RSA} asked, {@code EC} held) gets no alias, so the TLS stack tries the
 * next one. Thread-safe.
 */
public final class SvidKeyManager extends X509ExtendedKeyManager {

    static final String ALIAS_PREFIX = "meshid-svid-";

    private record Version(X509Svid svid, String alias) {
    }

    private record Versions(Version current, Version previous) {
    }

    private final SvidSource source;
    private final AtomicReference<Versions> versions;

    /** Presents {@code source}'s SVID. */
    public SvidKeyManager(SvidSource source) {
        this.source = Objects.requireNonNull(source, "source");
        Version first = new Version(source.svid(), ALIAS_PREFIX + 0);
        this.versions = new AtomicReference<>(new Versions(first, first));
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
        return aliasForAny(keyTypes);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
        return aliasForAny(keyTypes);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return aliasFor(keyType);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return aliasFor(keyType);
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        String alias = aliasFor(keyType);
        return alias == null ? null : new String[] {alias};
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return getClientAliases(keyType, issuers);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        X509Svid svid = lookup(alias);
        return svid == null ? null : svid.chain().toArray(X509Certificate[]::new);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        X509Svid svid = lookup(alias);
        return svid == null ? null : svid.privateKey();
    }

    private String aliasForAny(String[] keyTypes) {
        if (keyTypes == null) {
            return current().alias();
        }
        for (String keyType : keyTypes) {
            String alias = aliasFor(keyType);
            if (alias != null) {
                return alias;
            }
        }
        return null;
    }

    private String aliasFor(String keyType) {
        Version version = current();
        return matches(keyType, version.svid().privateKey().getAlgorithm()) ? version.alias() : null;
    }

    /** {@code EC} matches {@code EC}, {@code EC_EC} and {@code EC_RSA} (TLS 1.2 names); null matches anything. */
    private static boolean matches(String keyType, String keyAlgorithm) {
        return keyType == null || keyType.equals(keyAlgorithm) || keyType.startsWith(keyAlgorithm + "_");
    }

    /** The version of the source's current SVID, making a new alias when it changed. */
    private Version current() {
        X509Svid svid = source.svid();
        while (true) {
            Versions seen = versions.get();
            if (seen.current().svid() == svid) {
                return seen.current();
            }
            long next = Long.parseLong(seen.current().alias().substring(ALIAS_PREFIX.length())) + 1;
            Version version = new Version(svid, ALIAS_PREFIX + next);
            if (versions.compareAndSet(seen, new Versions(version, seen.current()))) {
                return version;
            }
        }
    }

    private X509Svid lookup(String alias) {
        if (alias == null) {
            return null;
        }
        Versions seen = versions.get();
        if (alias.equals(seen.current().alias())) {
            return seen.current().svid();
        }
        if (alias.equals(seen.previous().alias())) {
            return seen.previous().svid();
        }
        return null;
    }
}
