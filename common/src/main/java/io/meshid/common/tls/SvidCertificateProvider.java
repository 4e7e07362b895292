package io.meshid.common.tls;

import io.micronaut.context.annotation.Requires;
import io.micronaut.http.ssl.CertificateProvider;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Sinks;

/**
 * The server's X.509-SVID as Micronaut certificate material ({@value #NAME}), so that the HTTP port
 * serves TLS with the same SVID as the gRPC port and follows its renewal without a restart. Each
 * subscriber gets the current key store (the SVID's key and chain) and trust store (the bundle's
 * authorities) at once, and new ones after every change of the {@link SvidSource}; Micronaut's
 * {@code SslContextAutoLoader} builds the SSL context of the next connections from them. The key
 * stores live in memory only; their password ({@link #KEY_PASSWORD}) protects nothing and is no
 * secret. Thread-safe.
 */
@Singleton
@Named(SvidCertificateProvider.NAME)
@Requires(beans = SvidSource.class)
public final class SvidCertificateProvider implements CertificateProvider {

    /** The provider's name, for {@code micronaut.server.ssl.key-name} and {@code trust-name}. */
    public static final String NAME = "meshid-svid";
    /** The password of the in-memory key entry, as {@code micronaut.server.ssl.key.password} must name it. */
    static final String KEY_PASSWORD = "meshid-svid";
    private static final String ALIAS = "svid";

    private final SvidSource source;
    private final Sinks.Many<KeyStore> keys = Sinks.many().replay().latest();
    private final Sinks.Many<KeyStore> trust = Sinks.many().replay().latest();

    SvidCertificateProvider(SvidSource source) {
        this.source = source;
        publish();
        source.addListener(this::publish);
    }

    private synchronized void publish() {
        X509Svid svid = source.svid();
        keys.tryEmitNext(keyStore(svid));
        trust.tryEmitNext(trustStore(source.bundle().authorities()));
    }

    private static KeyStore keyStore(X509Svid svid) {
        try {
            KeyStore ks = empty();
            ks.setKeyEntry(ALIAS, svid.privateKey(), KEY_PASSWORD.toCharArray(), svid.chain().toArray(Certificate[]::new));
            return ks;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot hold the SVID " + svid.spiffeId() + " in a key store: " + e.getMessage(), e);
        }
    }

    private static KeyStore trustStore(List<X509Certificate> authorities) {
        try {
            KeyStore ks = empty();
            for (int i = 0; i < authorities.size(); i++) {
                ks.setCertificateEntry("authority-" + i, authorities.get(i));
            }
            return ks;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot hold the trust bundle in a key store: " + e.getMessage(), e);
        }
    }

    private static KeyStore empty() throws GeneralSecurityException, IOException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        return ks;
    }

    @Override
    public String getName() {
        return NAME;
    }

    @Override
    public Publisher<KeyStore> getKeyStore() {
        return keys.asFlux();
    }

    @Override
    public Publisher<KeyStore> getTrustStore() {
        return trust.asFlux();
    }
}
