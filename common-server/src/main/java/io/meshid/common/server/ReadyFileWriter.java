package io.meshid.common.server;

import io.micronaut.context.annotation.Requires;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.event.ApplicationEventListener;
import io.micronaut.grpc.server.GrpcEmbeddedServer;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.runtime.server.event.ServerStartupEvent;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a small JSON file once both the HTTP and the gRPC server of this process listen, naming
 * the addresses they bound (ports may be chosen by the OS). {@code ./meshid dev} waits for these
 * files and gathers them into {@code endpoints.json}; an orchestrator can use them the same way.
 *
 * <p>Enabled by {@code meshid.server.ready-file}. The file is written atomically (a temporary
 * file, then a rename), so a reader never sees half of it.
 */
@Singleton
@Requires(property = ReadyFileWriter.PROPERTY)
final class ReadyFileWriter implements ApplicationEventListener<ServerStartupEvent> {

    static final String PROPERTY = "meshid.server.ready-file";

    private static final Logger LOG = LoggerFactory.getLogger(ReadyFileWriter.class);

    private final Path file;
    private final String serverName;
    private EmbeddedServer http;
    private EmbeddedServer grpc;

    private final List<ReadyFileEntry> entries;

    ReadyFileWriter(@Value("${" + PROPERTY + "}") String file, @Value("${micronaut.application.name}") String serverName,
            List<ReadyFileEntry> entries) {
        this.file = Path.of(file);
        this.serverName = serverName;
        this.entries = entries;
    }

    @Override
    public synchronized void onApplicationEvent(ServerStartupEvent event) {
        EmbeddedServer server = event.getSource();
        if (server instanceof GrpcEmbeddedServer) {
            grpc = server;
        } else {
            http = server;
        }
        if (grpc != null && http != null) {
            write();
        }
    }

    private void write() {
        String json = "{\"server\": \"" + serverName + "\", \"pid\": " + ProcessHandle.current().pid()
                + ", \"grpc\": \"" + grpc.getHost() + ":" + grpc.getPort() + "\""
                + ", \"http\": \"" + http.getScheme() + "://" + http.getHost() + ":" + http.getPort() + "\""
                + entries.stream().map(e -> ", \"" + e.key() + "\": \"" + e.value() + "\"").collect(Collectors.joining())
                + "}\n";
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path temp = Files.createTempFile(parent, file.getFileName().toString(), ".tmp");
            Files.writeString(temp, json, StandardCharsets.UTF_8);
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("meshid.server.ready-file: cannot write " + file + " (" + e.getMessage() + ")", e);
        }
        LOG.info("{} ready: gRPC on {}:{}, HTTP on {}", serverName, grpc.getHost(), grpc.getPort(), http.getURL());
    }
}
