package io.meshid.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshid.common.spiffe.SpiffeId;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadyFileTest {

    @TempDir
    Path tmp;

    @Test
    void write_leavesOneJsonLine_andNoTemporaryFile() throws Exception {
        ReadyFile ready = new ReadyFile(SpiffeId.parse("spiffe://d.test/demo/whoami"), "127.0.0.1:7212", "127.0.0.1:7213",
                "/run/a \"b\"/workload.sock", 812, 640);
        Path file = tmp.resolve("sidecar.json");

        ready.write(file);
        ready.write(file); // again: replaced

        assertThat(Files.readString(file)).isEqualTo("{\"spiffe_id\": \"spiffe://d.test/demo/whoami\", \"inbound\": \"127.0.0.1:7212\","
                + " \"outbound\": \"127.0.0.1:7213\", \"workload_api\": \"/run/a \\\"b\\\"/workload.sock\", \"ready_ms\": 812, \"ready_cpu_ms\": 640}\n");
        try (var files = Files.list(tmp)) {
            assertThat(files).containsExactly(file);
        }
    }
}
