package io.meshid.policy.cedar;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.zip.GZIPInputStream;

/**
 * Finds Cedar's integration tests (cedar-policy/cedar-integration-tests) outside the repository
 * and reads the generated corpus from its tar.gz without unpacking it: the system property
 * {@value #PROPERTY}, else {@code CEDAR_INTEGRATION_TESTS}, else a {@code shared/cedar-integration-tests}
 * folder beside one of the working directory's ancestors. The property sits under {@code meshid.test.}
 * and the variable has no {@code MESHID_} prefix because the servers this JVM starts refuse any
 * other {@code meshid.*} key or {@code MESHID_*} variable as an unknown setting.
 */
final class CorpusFiles {

    static final String PROPERTY = "meshid.test.cedar-corpus";
    static final String VARIABLE = "CEDAR_INTEGRATION_TESTS";
    static final String WHERE = "-D" + PROPERTY + "=<path to a checkout of cedar-policy/cedar-integration-tests>"
            + " (or " + VARIABLE + ", or ../shared/cedar-integration-tests beside the repository)";

    private CorpusFiles() {}

    /** The corpus folder (holding corpus-tests.tar.gz and tests/), or null when none is found. */
    static Path locate() {
        String configured = System.getProperty(PROPERTY, System.getenv(VARIABLE));
        if (configured != null && !configured.isBlank()) {
            Path path = Path.of(configured);
            return Files.isRegularFile(path.resolve("corpus-tests.tar.gz")) ? path : null;
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared/cedar-integration-tests");
            if (Files.isRegularFile(candidate.resolve("corpus-tests.tar.gz"))) {
                return candidate;
            }
        }
        return null;
    }

    /**
     * Streams the regular files of a tar.gz, calling {@code each} with the path (without a leading
     * {@code ./}) and text of every file, in archive order (which is not sorted).
     */
    static void eachFile(Path tarGz, BiConsumer<String, String> each) throws IOException {
        try (InputStream in = new BufferedInputStream(new GZIPInputStream(Files.newInputStream(tarGz), 1 << 16), 1 << 16)) {
            byte[] header = new byte[512];
            while (in.readNBytes(header, 0, 512) == 512) {
                if (header[0] == 0) {
                    break;
                }
                String name = text(header, 0, 100);
                String prefix = text(header, 345, 155);
                long size = Long.parseLong(text(header, 124, 12).trim(), 8);
                byte type = header[156];
                byte[] body = in.readNBytes((int) size);
                long padding = (512 - size % 512) % 512;
                in.skipNBytes(padding);
                if (type == '0' || type == 0) {
                    String path = prefix.isEmpty() ? name : prefix + "/" + name;
                    each.accept(path.startsWith("./") ? path.substring(2) : path, new String(body, StandardCharsets.UTF_8));
                }
            }
        }
    }

    /** The hand-written tests' files, read on demand from the folder. */
    static Map<String, String> reader(Path root) {
        return new HashMap<>() {
            private static final long serialVersionUID = 1L;

            @Override
            public String get(Object key) {
                return computeIfAbsent((String) key, k -> {
                    try {
                        return Files.readString(root.resolve(k));
                    } catch (IOException e) {
                        return null;
                    }
                });
            }
        };
    }

    private static String text(byte[] header, int offset, int length) {
        int end = offset;
        while (end < offset + length && header[end] != 0) {
            end++;
        }
        return new String(header, offset, end - offset, StandardCharsets.US_ASCII);
    }
}
