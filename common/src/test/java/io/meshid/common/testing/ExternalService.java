package io.meshid.common.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/** A service that tests may require, how to reach it, and how to start it (from STACK.md). */
enum ExternalService {

    REDIS("Redis", ExternalServices::redisUri, ExternalServices.REDIS_URI_PROPERTY, 6379,
            "redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save \"\" --appendonly no "
                    + "--dir /var/lib/redis --logfile /var/log/redis/ci.log") {
        @Override
        boolean answers(InputStream in, OutputStream out) throws IOException {
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            int first = in.read();
            return first == '+' || first == '-';
        }
    },

    POSTGRES("PostgreSQL", ExternalServices::postgresUrl, ExternalServices.POSTGRES_URL_PROPERTY, 5432,
            "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start") {
        @Override
        boolean answers(InputStream in, OutputStream out) throws IOException {
            // An SSLRequest: every PostgreSQL server answers it with one byte, 'S' or 'N'.
            out.write(new byte[] {0, 0, 0, 8, 0x04, (byte) 0xd2, 0x16, 0x2f});
            out.flush();
            int reply = in.read();
            return reply == 'S' || reply == 'N';
        }
    };

    private static final int TIMEOUT_MILLIS = 1000;

    private final String displayName;
    private final Supplier<String> location;
    private final String property;
    private final int defaultPort;
    private final String startCommand;

    ExternalService(String displayName, Supplier<String> location, String property, int defaultPort,
            String startCommand) {
        this.displayName = displayName;
        this.location = location;
        this.property = property;
        this.defaultPort = defaultPort;
        this.startCommand = startCommand;
    }

    String displayName() {
        return displayName;
    }

    String property() {
        return property;
    }

    String startCommand() {
        return startCommand;
    }

    /** {@code host:port} of the configured service. */
    String address() {
        URI uri = URI.create(location.get().replaceFirst("^jdbc:", ""));
        String host = uri.getHost() == null ? "127.0.0.1" : uri.getHost();
        return host + ":" + (uri.getPort() < 0 ? defaultPort : uri.getPort());
    }

    /** Whether the service accepts a connection and answers like itself, within a second. */
    boolean isReachable() {
        String address = address();
        int colon = address.lastIndexOf(':');
        String host = address.substring(0, colon).replace("[", "").replace("]", "");
        int port = Integer.parseInt(address.substring(colon + 1));
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), TIMEOUT_MILLIS);
            socket.setSoTimeout(TIMEOUT_MILLIS);
            return answers(socket.getInputStream(), socket.getOutputStream());
        } catch (IOException e) {
            return false;
        }
    }

    abstract boolean answers(InputStream in, OutputStream out) throws IOException;
}
