package io.meshid.common.tls;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.KeyManagementException;
import java.security.SecureRandom;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * A JDK {@link SSLContext} whose default parameters (protocols, client authentication) are fixed:
 * they are what {@link #getDefaultSSLParameters()} reports (and so what {@code HttpsServer} and the
 * JDK {@code HttpClient} apply) and are set on every engine and socket it makes. The JDK
 * offers no other way to make a context require client certificates. Thread-safe.
 */
final class FixedParametersSslContext extends SSLContext {

    FixedParametersSslContext(SSLContext delegate, SSLParameters parameters) {
        super(new Spi(delegate, parameters), delegate.getProvider(), delegate.getProtocol());
    }

    private static final class Spi extends SSLContextSpi {

        private final SSLContext delegate;
        private final SSLParameters parameters;

        Spi(SSLContext delegate, SSLParameters parameters) {
            this.delegate = delegate;
            this.parameters = parameters;
        }

        @Override
        protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom random) throws KeyManagementException {
            throw new KeyManagementException("this SSLContext is already initialized with an SVID key and trust manager");
        }

        @Override
        protected SSLSocketFactory engineGetSocketFactory() {
            return new ClientSockets(delegate.getSocketFactory(), parameters);
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            return new ServerSockets(delegate.getServerSocketFactory(), parameters);
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            return configure(delegate.createSSLEngine());
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            return configure(delegate.createSSLEngine(host, port));
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            return delegate.getServerSessionContext();
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            return delegate.getClientSessionContext();
        }

        @Override
        protected SSLParameters engineGetDefaultSSLParameters() {
            return copy(parameters);
        }

        @Override
        protected SSLParameters engineGetSupportedSSLParameters() {
            return delegate.getSupportedSSLParameters();
        }

        private SSLEngine configure(SSLEngine engine) {
            engine.setSSLParameters(copy(parameters));
            return engine;
        }
    }

    /** Applies the parameters to every server socket, and so to every socket it accepts. */
    private static final class ServerSockets extends SSLServerSocketFactory {

        private final SSLServerSocketFactory delegate;
        private final SSLParameters parameters;

        ServerSockets(SSLServerSocketFactory delegate, SSLParameters parameters) {
            this.delegate = delegate;
            this.parameters = parameters;
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return parameters.getCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return delegate.getSupportedCipherSuites();
        }

        @Override
        public ServerSocket createServerSocket() throws IOException {
            return configure(delegate.createServerSocket());
        }

        @Override
        public ServerSocket createServerSocket(int port) throws IOException {
            return configure(delegate.createServerSocket(port));
        }

        @Override
        public ServerSocket createServerSocket(int port, int backlog) throws IOException {
            return configure(delegate.createServerSocket(port, backlog));
        }

        @Override
        public ServerSocket createServerSocket(int port, int backlog, InetAddress address) throws IOException {
            return configure(delegate.createServerSocket(port, backlog, address));
        }

        private ServerSocket configure(ServerSocket socket) {
            ((SSLServerSocket) socket).setSSLParameters(copy(parameters));
            return socket;
        }
    }

    /** Applies the parameters to every client socket. */
    private static final class ClientSockets extends SSLSocketFactory {

        private final SSLSocketFactory delegate;
        private final SSLParameters parameters;

        ClientSockets(SSLSocketFactory delegate, SSLParameters parameters) {
            this.delegate = delegate;
            this.parameters = parameters;
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return parameters.getCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return delegate.getSupportedCipherSuites();
        }

        @Override
        public Socket createSocket() throws IOException {
            return configure(delegate.createSocket());
        }

        @Override
        public Socket createSocket(Socket socket, String host, int port, boolean autoClose) throws IOException {
            return configure(delegate.createSocket(socket, host, port, autoClose));
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return configure(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return configure(delegate.createSocket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return configure(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
            return configure(delegate.createSocket(address, port, localAddress, localPort));
        }

        private Socket configure(Socket socket) {
            ((SSLSocket) socket).setSSLParameters(copy(parameters));
            return socket;
        }
    }

    static SSLParameters copy(SSLParameters source) {
        SSLParameters copy = new SSLParameters(source.getCipherSuites(), source.getProtocols());
        if (source.getNeedClientAuth()) {
            copy.setNeedClientAuth(true);
        } else if (source.getWantClientAuth()) {
            copy.setWantClientAuth(true);
        }
        copy.setApplicationProtocols(source.getApplicationProtocols());
        copy.setUseCipherSuitesOrder(source.getUseCipherSuitesOrder());
        copy.setEndpointIdentificationAlgorithm(source.getEndpointIdentificationAlgorithm());
        return copy;
    }
}
