package io.meshid.demo.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The demo's gRPC client against the real status workload (h2c), as the printed command runs it. */
class HealthCheckTest {

    @Test
    void check_printsServing_andExitsZero() throws Exception {
        try (StatusService service = StatusService.start(new InetSocketAddress("127.0.0.1", 0))) {
            String target = "127.0.0.1:" + service.address().getPort();
            assertThat(run(0, target, "status")).isEqualTo("SERVING");
            assertThat(run(0, target, "status", "status")).isEqualTo("SERVING");
            assertThat(run(0, "--reflection", target, "status")).contains("grpc.health.v1.Health");
        }
    }

    @Test
    void failedCall_printsTheCode_andExitsOne() throws Exception {
        try (StatusService service = StatusService.start(new InetSocketAddress("127.0.0.1", 0))) {
            assertThat(run(1, "127.0.0.1:" + service.address().getPort(), "status", "nobody")).startsWith("NOT_FOUND");
        }
    }

    @Test
    void badUsage_exitsTwo() {
        assertThat(HealthCheck.run(new String[] {"not-an-address", "status"}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(new ByteArrayOutputStream()))).isEqualTo(2);
    }

    private static String run(int expectedExit, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit = HealthCheck.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream()));
        String text = out.toString(StandardCharsets.UTF_8).trim();
        assertThat(exit).as("exit code; output: %s", text).isEqualTo(expectedExit);
        return text;
    }
}
