package io.meshid.common.identity;

import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.tls.SvidVerificationException;
import io.meshid.common.tls.SvidVerifier;
import io.meshid.common.tls.X509Bundle;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Arrays;
import java.util.Objects;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Verifies identity-server before the sidecar holds any SVID: its chain must lead to the bootstrap
 * bundle and its SPIFFE ID must be exactly the expected one. Client side only (the sidecar never
 * serves with it). No host name is checked: SPIFFE authenticates the SPIFFE ID. Thread-safe.
 */
final class BootstrapTrustManager extends X509ExtendedTrustManager {

    private final X509Bundle bundle;
    private final SpiffeId expected;
    private final Clock clock;
    private final SvidVerifier verifier = new SvidVerifier();

    BootstrapTrustManager(X509Bundle bundle, SpiffeId expected, Clock clock) {
        this.bundle = Objects.requireNonNull(bundle, "bundle");
        this.expected = Objects.requireNonNull(expected, "expected");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    private void verify(X509Certificate[] chain) throws CertificateException {
        SpiffeId peer;
        try {
            peer = verifier.verify(chain == null ? null : Arrays.asList(chain), bundle, clock.instant());
        } catch (SvidVerificationException e) {
            throw new CertificateException("identity-server's certificate: " + e.getMessage());
        }
        if (!peer.equals(expected)) {
            throw new CertificateException("identity-server presented " + peer + " (expected: " + expected + ")");
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        verify(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        verify(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        verify(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("the bootstrap trust manager verifies servers only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        throw new CertificateException("the bootstrap trust manager verifies servers only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        throw new CertificateException("the bootstrap trust manager verifies servers only");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
