package io.meshid.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The {@code endpoints.json} that {@code ./meshid dev} writes into its data directory: the trust
 * domain, each server's gRPC address, and the dev admin's credential files. Immutable.
 */
final class DevEndpoints {

    /** The file's name in a dev mesh's data directory. */
    static final String FILE = "endpoints.json";
    /** The data directory's name in a checkout, as {@code ./meshid dev} makes it by default. */
    static final String DEFAULT_DIR = ".meshid-dev";

    private final Path file;
    private final JsonObject json;

    private DevEndpoints(Path file, JsonObject json) {
        this.file = file;
        this.json = json;
    }

    /**
     * Reads {@code dir/endpoints.json}.
     *
     * @throws CliException when the file is not a JSON object
     */
    static Optional<DevEndpoints> read(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            JsonElement parsed = JsonParser.parseString(Files.readString(file));
            if (!parsed.isJsonObject()) {
                throw CliException.usage(file + ": not a JSON object (expected: the endpoints.json ./meshid dev writes)");
            }
            return Optional.of(new DevEndpoints(file, parsed.getAsJsonObject()));
        } catch (IOException | JsonParseException e) {
            throw CliException.usage(file + ": cannot be read (" + e.getMessage() + "; expected: the endpoints.json "
                    + "./meshid dev writes)", e);
        }
    }

    /** The dev mesh's directory: {@code DIR/.meshid-dev} for the first DIR from {@code start} up that has one with the file. */
    static Optional<Path> find(Path start) {
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(DEFAULT_DIR);
            if (Files.isRegularFile(candidate.resolve(FILE))) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    Path file() {
        return file;
    }

    Optional<String> trustDomain() {
        return string(json, "trust_domain");
    }

    Optional<String> grpc(ServerKind kind) {
        return object(kind.key()).flatMap(o -> string(o, "grpc"));
    }

    Optional<String> http(ServerKind kind) {
        return object(kind.key()).flatMap(o -> string(o, "http"));
    }

    Optional<String> admin(String field) {
        return object("admin").flatMap(o -> string(o, field));
    }

    private Optional<JsonObject> object(String name) {
        JsonElement e = json.get(name);
        return e != null && e.isJsonObject() ? Optional.of(e.getAsJsonObject()) : Optional.empty();
    }

    private static Optional<String> string(JsonObject o, String name) {
        JsonElement e = o.get(name);
        return e != null && e.isJsonPrimitive() && !e.getAsString().isEmpty() ? Optional.of(e.getAsString()) : Optional.empty();
    }
}
