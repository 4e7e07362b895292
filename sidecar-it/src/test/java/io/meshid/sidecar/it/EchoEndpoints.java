package io.meshid.sidecar.it;

import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.tls.SvidSource;
import io.meshid.common.tls.TlsContexts;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * Two TLS endpoints built on SVID sources: an mTLS line-echo server that requires a client SVID,
 * and clients that accept only the server's SPIFFE ID. Both read their source at every handshake.
 */
final class EchoEndpoints {

    private EchoEndpoints() {
    }

    /** An echo server on a loopback port; each connection gets a virtual thread. */
    static final class Server implements AutoCloseable {
        final SSLServerSocket socket;
        final AtomicInteger handshakes = new AtomicInteger();
        private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

        Server(SvidSource source) throws IOException {
            socket = (SSLServerSocket) TlsContexts.jdkServer(source, true).getServerSocketFactory()
                    .createServerSocket(0, 50, InetAddress.getLoopbackAddress());
            threads.execute(this::accept);
        }

        int port() {
            return socket.getLocalPort();
        }

        private void accept() {
            while (!socket.isClosed()) {
                try {
                    Socket s = socket.accept();
                    threads.execute(() -> serve(s));
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void serve(Socket s) {
            try (s; BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                    PrintWriter out = new PrintWriter(new OutputStreamWriter(s.getOutputStream(), StandardCharsets.UTF_8), true)) {
                ((SSLSocket) s).startHandshake();
                handshakes.incrementAndGet();
                String line;
                while ((line = in.readLine()) != null) {
                    out.println("echo " + line);
                }
            } catch (IOException e) {
                // the client went away
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
            threads.shutdownNow();
        }
    }

    /** A client connection to {@code port} that accepts only {@code server}. */
    static final class Client implements AutoCloseable {
        private final SSLSocket socket;
        private final BufferedReader in;
        private final PrintWriter out;

        Client(SvidSource source, SpiffeId server, int port) throws IOException {
            socket = (SSLSocket) TlsContexts.jdkClient(source, server::equals).getSocketFactory()
                    .createSocket(InetAddress.getLoopbackAddress(), port);
            socket.setSoTimeout(10_000);
            socket.startHandshake();
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            out = new PrintWriter(new OutputStreamWriter(socket.getOutputStream(), StandardCharsets.UTF_8), true);
        }

        /** One request: a line out, its echo back. */
        void call(String message) {
            out.println(message);
            try {
                String reply = in.readLine();
                if (!("echo " + message).equals(reply)) {
                    throw new IllegalStateException("expected the echo of " + message + ", got " + reply);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
