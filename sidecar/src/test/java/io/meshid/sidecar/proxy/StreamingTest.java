package io.meshid.sidecar.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshid.sidecar.config.Limits;
import io.meshid.sidecar.testing.Mesh;
import io.meshid.sidecar.testing.RawHttp;
import io.meshid.sidecar.testing.RawHttp.Response;
import io.meshid.sidecar.testing.UpgradeEchoServer;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Back-pressure, protocol upgrades, connection limits and graceful drain, through two sidecars. */
class StreamingTest {

    private static final long MIB = 1024 * 1024;

    @Test
    void slowReader_stallsTheWorkload_insteadOfTheSidecarBuffering() throws Exception {
        try (Mesh mesh = new Mesh()) {
            mesh.policy.activate(r -> true);
            int mb = 200;
            try (RawHttp http = mesh.outbound()) {
                http.send("GET /big?mb=" + mb + " HTTP/1.1\r\nHost: b\r\n\r\n");
                // read nothing: wait until the workload can write no more
                while (mesh.workloadB.bigBytesWritten() == 0) {
                    Thread.sleep(10);
                }
                long last = -1;
                int stable = 0;
                while (stable < 5) {
                    Thread.sleep(200);
                    long now = mesh.workloadB.bigBytesWritten();
                    stable = now == last ? stable + 1 : 0;
                    last = now;
                }
                assertThat(last).as("bytes the workload could write while nobody read (socket buffers and two "
                        + "sidecars' 64 KiB water marks, not the whole response)").isLessThan(mb * MIB / 2);
                // then read it all: nothing was lost
                InputStream in = http.input();
                String head = readHead(in);
                assertThat(head).startsWith("HTTP/1.1 200").containsIgnoringCase("content-length: " + mb * MIB);
                long total = 0;
                byte[] buf = new byte[1 << 16];
                while (total < mb * MIB) {
                    int n = in.read(buf);
                    assertThat(n).isPositive();
                    total += n;
                }
                assertThat(total).isEqualTo(mb * MIB);
            }
        }
    }

    @Test
    void webSocketUpgrade_becomesATunnelThroughBothSidecars() throws Exception {
        try (UpgradeEchoServer ws = new UpgradeEchoServer(); Mesh mesh = new Mesh(Limits.DEFAULTS, ws.address())) {
            mesh.policy.activate(r -> true);
            try (RawHttp http = mesh.outbound()) {
                http.send("GET /chat HTTP/1.1\r\nHost: b\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                        + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
                InputStream in = http.input();
                String head = readHead(in);
                assertThat(head).startsWith("HTTP/1.1 101").containsIgnoringCase("upgrade: websocket");
                byte[] frame = {(byte) 0x81, (byte) 0x85, 1, 2, 3, 4, 'h' ^ 1, 'e' ^ 2, 'l' ^ 3, 'l' ^ 4, 'o' ^ 1};
                for (int round = 0; round < 3; round++) {
                    http.send(new String(frame, StandardCharsets.ISO_8859_1));
                    assertThat(in.readNBytes(frame.length)).isEqualTo(frame);
                }
            }
        }
    }

    @Test
    void webSocketTunnel_closesOnItsNextByte_onceThePeerIsRevoked() throws Exception {
        try (UpgradeEchoServer ws = new UpgradeEchoServer(); Mesh mesh = new Mesh(Limits.DEFAULTS, ws.address())) {
            mesh.policy.activate(r -> true);
            try (RawHttp http = mesh.outbound()) {
                http.send("GET /chat HTTP/1.1\r\nHost: b\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                        + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
                InputStream in = http.input();
                assertThat(readHead(in)).startsWith("HTTP/1.1 101");
                byte[] frame = {(byte) 0x81, (byte) 0x85, 1, 2, 3, 4, 'h' ^ 1, 'e' ^ 2, 'l' ^ 3, 'l' ^ 4, 'o' ^ 1};
                http.send(new String(frame, StandardCharsets.ISO_8859_1));
                assertThat(in.readNBytes(frame.length)).isEqualTo(frame);
                // b's inbound listener now refuses a's SVID, which the tunnel's handshake presented
                mesh.revoke(mesh.sourceA.svid().leaf());
                http.send(new String(frame, StandardCharsets.ISO_8859_1));
                byte[] after;
                try {
                    after = in.readAllBytes();
                } catch (java.io.IOException reset) {
                    after = new byte[0];
                }
                assertThat(after).as("nothing echoed: the tunnel closed").isEmpty();
            }
        }
    }

    @Test
    void webSocketTunnel_carryingNothing_isClosedByTheRevocationItself() throws Exception {
        try (UpgradeEchoServer ws = new UpgradeEchoServer(); Mesh mesh = new Mesh(Limits.DEFAULTS, ws.address())) {
            mesh.policy.activate(r -> true);
            try (RawHttp http = mesh.outbound()) {
                http.send("GET /chat HTTP/1.1\r\nHost: b\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                        + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
                InputStream in = http.input();
                assertThat(readHead(in)).startsWith("HTTP/1.1 101");
                mesh.revoke(mesh.sourceA.svid().leaf());
                // no byte is sent: the sweep closes the tunnel (within RawHttp's 20 s read timeout)
                int read;
                try {
                    read = in.read();
                } catch (java.net.SocketException reset) {
                    read = -1;
                }
                assertThat(read).as("the tunnel closed without a byte").isEqualTo(-1);
            }
        }
    }

    @Test
    void connectionLimit_closesConnectionsPastIt_andServesAgainWhenOneCloses() throws Exception {
        try (Mesh mesh = new Mesh(Limits.DEFAULTS.withMaxConnections(2))) {
            mesh.policy.activate(r -> true);
            try (RawHttp one = mesh.outbound(); RawHttp two = mesh.outbound()) {
                assertThat(one.exchange("GET /echo HTTP/1.1\r\nHost: b\r\n\r\n").status()).isEqualTo(200);
                assertThat(two.exchange("GET /echo HTTP/1.1\r\nHost: b\r\n\r\n").status()).isEqualTo(200);
                try (RawHttp three = mesh.outbound()) {
                    three.send("GET /echo HTTP/1.1\r\nHost: b\r\n\r\n");
                    assertThat(three.closedByPeer()).isTrue();
                }
            }
            // Both sidecars have the limit and learn of the closes asynchronously: until a has seen
            // the app's connections close it refuses the connection (IOException), and until b has
            // seen a's upstream connections close it refuses a's new one, which a answers with 502.
            Response again = null;
            for (int i = 0; i < 500 && (again == null || again.status() == 502); i++) {
                try (RawHttp four = mesh.outbound()) {
                    again = four.exchange("GET /echo HTTP/1.1\r\nHost: b\r\n\r\n");
                } catch (java.io.IOException stillFull) {
                    again = null;
                }
                if (again == null || again.status() == 502) {
                    Thread.sleep(10);
                }
            }
            assertThat(again).isNotNull();
            assertThat(again.status()).isEqualTo(200);
        }
    }

    @Test
    void drain_letsTheRequestInFlightFinish_andRefusesNewConnections() throws Exception {
        try (Mesh mesh = new Mesh()) {
            mesh.policy.activate(r -> true);
            CompletableFuture<Response> inFlight = CompletableFuture.supplyAsync(() -> {
                try (RawHttp http = mesh.outbound()) {
                    return http.exchange("GET /slow?ms=1500 HTTP/1.1\r\nHost: b\r\n\r\n");
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            while (mesh.workloadB.hits("/slow") == 0) {
                Thread.sleep(10);
            }
            CompletableFuture<Void> closing = CompletableFuture.runAsync(mesh.sidecarB::close);
            Response r = inFlight.join();
            assertThat(r.status()).isEqualTo(200);
            closing.join();
            InetSocketAddress in = mesh.sidecarB.inboundAddress();
            assertThat(refused(in)).isTrue();
        }
    }

    private static boolean refused(InetSocketAddress address) {
        try (Socket s = new Socket(address.getAddress(), address.getPort())) {
            s.setSoTimeout(5000);
            return s.getInputStream().read() < 0;
        } catch (java.io.IOException e) {
            return true;
        }
    }

    private static String readHead(InputStream in) throws java.io.IOException {
        StringBuilder b = new StringBuilder();
        while (!b.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            b.append((char) c);
        }
        return b.toString();
    }
}
