package io.meshid.sidecar.testing;

import io.meshid.common.tls.SpiffeTrustManager;
import io.meshid.common.tls.SvidSource;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A JDK TLS client that presents any certificate chain (valid, expired, of another trust domain) to
 * a sidecar's inbound listener, trusting the server by {@code trustSource}'s bundle. Stateless.
 */
public final class MtlsClient {

    private MtlsClient() {
    }

    public static RawHttp connect(InetSocketAddress address, List<X509Certificate> chain, PrivateKey key,
            SvidSource trustSource) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        char[] pw = "test".toCharArray();
        store.setKeyEntry("svid", key, pw, chain.toArray(new X509Certificate[0]));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, pw);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), new javax.net.ssl.TrustManager[] {new SpiffeTrustManager(trustSource, id -> true)},
                new SecureRandom());
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(address.getAddress(), address.getPort());
        socket.setEnabledProtocols(new String[] {"TLSv1.3"});
        try {
            socket.startHandshake();
        } catch (IOException e) {
            socket.close();
            throw e;
        }
        return new RawHttp(socket);
    }
}
