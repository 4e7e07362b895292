package io.meshid.sidecar.revocation;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A trust manager that, after its delegate (common's {@code SpiffeTrustManager}: chain, bundle,
 * SPIFFE ID) accepted a peer, refuses it when the {@link RevocationList} does: a revoked
 * certificate in the chain, or revocations not known. Used for the client chains of the inbound
 * listener and the server chains of outbound connections, so that neither completes a handshake
 * with a revoked peer. Thread-safe.
 */
public final class RevocationTrustManager extends X509ExtendedTrustManager {

    private final X509ExtendedTrustManager delegate;
    private final RevocationList revocations;

    public RevocationTrustManager(X509ExtendedTrustManager delegate, RevocationList revocations) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.revocations = Objects.requireNonNull(revocations, "revocations");
    }

    private void check(X509Certificate[] chain) throws CertificateException {
        Optional<String> refusal = revocations.revocationRefusal(List.of(chain));
        if (refusal.isPresent()) {
            throw new CertificateException(refusal.get());
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        delegate.checkClientTrusted(chain, authType);
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        delegate.checkServerTrusted(chain, authType);
        check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        delegate.checkClientTrusted(chain, authType, socket);
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        delegate.checkServerTrusted(chain, authType, socket);
        check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        delegate.checkClientTrusted(chain, authType, engine);
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        delegate.checkServerTrusted(chain, authType, engine);
        check(chain);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return delegate.getAcceptedIssuers();
    }
}
