package io.meshid.common.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A redis-server of the test's own, on a free loopback port, that the test may stop and start
 * again on the same port (an outage), never the machine's shared Redis. Without a
 * {@code redis-server} binary the test is skipped, except under {@code CI=true}, where it fails.
 */
public final class OwnRedis implements AutoCloseable {

    private final int port;
    private final Path dir;
    private Process process;

    private OwnRedis(int port, Path dir) {
        this.port = port;
        this.dir = dir;
    }

    /** Starts one and waits until it answers PING. */
    public static OwnRedis start() throws IOException, InterruptedException {
        boolean present = Files.isExecutable(Path.of("/usr/bin/redis-server")) || Files.isExecutable(Path.of("/usr/local/bin/redis-server"));
        if (!present) {
            if ("true".equals(System.getenv("CI"))) {
                throw new IllegalStateException("redis-server is not installed (expected on CI machines: apt-get install redis-server)");
            }
            Assumptions.abort("redis-server is not installed");
        }
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        OwnRedis redis = new OwnRedis(port, Files.createTempDirectory("meshid-own-redis"));
        redis.startAgain();
        return redis;
    }

    /** {@code redis://127.0.0.1:<port>}. */
    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** Kills the server at once (SIGKILL): every connection to it drops. */
    public void stop() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
            process = null;
        }
    }

    /** Starts the server again on the same port and waits until it answers. */
    public void startAgain() throws IOException, InterruptedException {
        process = new ProcessBuilder(List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--maxmemory-policy", "noeviction"))
                .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!answers()) {
            if (System.nanoTime() > deadline || !process.isAlive()) {
                throw new IllegalStateException("own redis-server on port " + port + " did not start: "
                        + Files.readString(dir.resolve("redis.log")));
            }
            Thread.sleep(10);
        }
    }

    /** Sends one inline command and returns the first line of the reply. */
    public String command(String line) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(2_000);
            OutputStream out = s.getOutputStream();
            out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder reply = new StringBuilder();
            for (int c; (c = in.read()) != -1 && c != '\r'; ) {
                reply.append((char) c);
            }
            return reply.toString();
        }
    }

    private boolean answers() {
        try {
            return command("PING").equals("+PONG");
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
