package io.meshid.common.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.testing.TestPki;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;

/** JDK contexts over real loopback sockets: SSLSocket pairs and an HttpsServer with the JDK HttpClient. */
class JdkTlsContextsTest {

    private final TestPki pki = TestPki.create("example.org");
    private final StaticSvidSource serverSource = new StaticSvidSource(pki.svid("/ns/meshid/sa/server"), pki.bundle());
    private final StaticSvidSource clientSource = new StaticSvidSource(pki.svid("/ns/payments/sa/api"), pki.bundle());

    @Test
    void requiredClientAuth_serverSeesTheClientSvid_overTls13() throws Exception {
        SSLContext server = TlsContexts.jdkServer(serverSource, true);
        assertThat(server.getDefaultSSLParameters().getNeedClientAuth()).isTrue();
        assertThat(server.getDefaultSSLParameters().getProtocols()).containsExactly("TLSv1.3", "TLSv1.2");

        try (SSLServerSocket listener = listen(server)) {
            CompletableFuture<X509Certificate> clientLeaf = acceptOne(listener);
            try (SSLSocket socket = (SSLSocket) TlsContexts.jdkClient(clientSource, serverSource.svid().spiffeId()::equals)
                    .getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), listener.getLocalPort())) {
                socket.startHandshake();
                socket.getOutputStream().write(1);
                socket.getOutputStream().flush();

                assertThat(clientLeaf.get(10, TimeUnit.SECONDS)).isEqualTo(clientSource.svid().leaf());
                assertThat(socket.getSession().getProtocol()).isEqualTo("TLSv1.3");
                assertThat(socket.getSession().getPeerCertificates()[0]).isEqualTo(serverSource.svid().leaf());
            }
        }
    }

    @Test
    void requiredClientAuth_clientWithoutSvid_isRejected() throws Exception {
        SSLContext anonymous = SSLContext.getInstance("TLS");
        anonymous.init(null, new javax.net.ssl.TrustManager[] {new SpiffeTrustManager(serverSource, id -> true)}, null);

        try (SSLServerSocket listener = listen(TlsContexts.jdkServer(serverSource, true))) {
            CompletableFuture<X509Certificate> accepted = acceptOne(listener);
            try (SSLSocket socket = (SSLSocket) anonymous.getSocketFactory()
                    .createSocket(InetAddress.getLoopbackAddress(), listener.getLocalPort())) {
                assertThatThrownBy(() -> {
                    socket.startHandshake();
                    socket.getOutputStream().write(1);
                    socket.getOutputStream().flush();
                    socket.getInputStream().read();
                }).isInstanceOf(IOException.class);
            }
            assertThatThrownBy(() -> accepted.get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(SSLHandshakeException.class);
        }
    }

    @Test
    void httpsServerWithoutClientAuth_servesTheJdkHttpClient_whichChecksTheServerId() throws Exception {
        HttpsServer https = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        https.setHttpsConfigurator(new HttpsConfigurator(TlsContexts.jdkServer(serverSource, false)));
        https.createContext("/bundle", exchange -> {
            byte[] body = Pem.writeCertificates(serverSource.bundle().authorities()).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        https.start();
        try {
            URI uri = URI.create("https://127.0.0.1:" + https.getAddress().getPort() + "/bundle");
            HttpResponse<String> response = get(TlsContexts.jdkClient(clientSource, serverSource.svid().spiffeId()::equals), uri);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(Pem.readCertificates(response.body())).containsExactly(pki.root());

            SpiffeId someoneElse = SpiffeId.parse("spiffe://example.org/ns/meshid/sa/other");
            assertThatThrownBy(() -> get(TlsContexts.jdkClient(clientSource, someoneElse::equals), uri))
                    .isInstanceOf(SSLHandshakeException.class);
        } finally {
            https.stop(0);
        }
    }

    private static HttpResponse<String> get(SSLContext context, URI uri) throws IOException, InterruptedException {
        try (HttpClient client = HttpClient.newBuilder().sslContext(context).build()) {
            return client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    private static SSLServerSocket listen(SSLContext context) throws IOException {
        return (SSLServerSocket) context.getServerSocketFactory().createServerSocket(0, 1, InetAddress.getLoopbackAddress());
    }

    /** Accepts one connection, completes the handshake, reads one byte, and gives the client's leaf. */
    private static CompletableFuture<X509Certificate> acceptOne(SSLServerSocket listener) {
        CompletableFuture<X509Certificate> result = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try (SSLSocket socket = (SSLSocket) listener.accept()) {
                socket.startHandshake();
                InputStream in = socket.getInputStream();
                in.read();
                result.complete((X509Certificate) socket.getSession().getPeerCertificates()[0]);
            } catch (IOException | RuntimeException e) {
                result.completeExceptionally(e);
            }
        }, "test-accept");
        thread.setDaemon(true);
        thread.start();
        return result;
    }
}
