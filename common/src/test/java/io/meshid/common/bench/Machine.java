package io.meshid.common.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/** A one-line description of the machine a benchmark ran on, for its report (Linux {@code /proc}; less elsewhere). */
public final class Machine {

    private Machine() {
    }

    /** Cores, CPU model, memory, OS, kernel and JDK. */
    public static String describe() {
        String cpu = firstValue(Path.of("/proc/cpuinfo"), "model name").orElse(System.getProperty("os.arch"));
        String memory = firstValue(Path.of("/proc/meminfo"), "MemTotal")
                .map(v -> String.format(Locale.ROOT, "%.1f GiB", Long.parseLong(v.replaceAll("\\D", "")) / 1024.0 / 1024.0))
                .orElse("?");
        String os = read(Path.of("/etc/debian_version")).map(v -> "Debian " + v.strip()).orElse(System.getProperty("os.name"));
        return String.format(Locale.ROOT, "%d cores (%s), %s RAM, %s, kernel %s, JDK %s (%s)",
                Runtime.getRuntime().availableProcessors(), cpu, memory, os, System.getProperty("os.version"),
                System.getProperty("java.runtime.version"), System.getProperty("java.vendor"));
    }

    private static Optional<String> firstValue(Path file, String key) {
        return read(file).flatMap(text -> text.lines().filter(l -> l.startsWith(key)).findFirst()
                .map(l -> l.substring(l.indexOf(':') + 1).strip()));
    }

    private static Optional<String> read(Path file) {
        try {
            return Optional.of(Files.readString(file));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
