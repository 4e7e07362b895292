package io.meshid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution's launcher ({@code src/dist/meshctl}): when it records, uses and renews the AOT
 * cache, run against a stand-in {@code java} that logs its arguments and writes the files the real
 * one would (so no JVM starts). The real cache is exercised by {@link QuickstartTest} and measured in
 * docs/benchmarks.md.
 */
class MeshctlLauncherTest {

    private static final Path LAUNCHER = Path.of("src/dist/meshctl");

    @TempDir
    Path dir;

    private Path install;
    private Path jar;
    private Path java;
    private Path calls;
    private Path caches;

    @BeforeEach
    void install() throws IOException {
        install = dir.resolve("meshctl-1.0");
        Files.createDirectories(install.resolve("bin"));
        Files.createDirectories(install.resolve("lib/lib"));
        Files.writeString(install.resolve("lib/lib/bcprov.jar"), "library");
        Files.copy(LAUNCHER, install.resolve("bin/meshctl"));
        executable(install.resolve("bin/meshctl"));
        jar = install.resolve("lib/meshid-cli.jar");
        Files.writeString(jar, "jar");
        calls = dir.resolve("calls.log");
        caches = dir.resolve("cache");
        java = dir.resolve("jdk/bin/java");
        Files.createDirectories(java.getParent());
        // Logs one line per start; a recording run leaves its configuration, a create run its cache, as the JVM does.
        Files.writeString(java, """
                #!/usr/bin/env bash
                echo "$*" >> "%s"
                for a in "$@"; do
                  case $a in
                    -XX:AOTConfiguration=*) conf=${a#*=} ;;
                    -XX:AOTCache=*) cache=${a#*=} ;;
                    -XX:AOTMode=create) create=1 ;;
                    fail) exit 1 ;;
                  esac
                done
                [[ " $* " == *" -XX:AOTMode=record "* ]] && echo recorded > "$conf"
                [ -n "${create:-}" ] && echo cache > "$cache"
                exit 0
                """.formatted(calls));
        executable(java);
    }

    @Test
    void theFirstSuccessfulCommandRecordsAndLaterOnesUseTheCache() throws Exception {
        assertThat(run(install.resolve("bin/meshctl"), "entry", "list")).isZero();
        Path cache = awaitOneCache();

        assertThat(lines()).hasSize(2);
        assertThat(lines().get(0)).contains("-XX:AOTMode=record", "-jar " + jar, "entry list");
        assertThat(lines().get(1)).contains("-XX:AOTMode=create", "-XX:AOTCache=" + cache.getParent().resolve(cache.getFileName() + "."));

        assertThat(run(install.resolve("bin/meshctl"), "entry", "list")).isZero();
        assertThat(lines()).hasSize(3);
        assertThat(lines().get(2)).contains("-XX:AOTCache=" + cache, "-jar " + jar, "entry list").doesNotContain("AOTMode");
    }

    @Test
    void aNewerJarLibrariesOrJdkRecordAgainIntoTheSameCache() throws Exception {
        run(install.resolve("bin/meshctl"), "entry", "list");
        Path cache = awaitOneCache();
        // lib/bcprov.jar alone: a build that rewrites a library in place leaves the folder's time as it was
        List<Path> inputs = List.of(jar, install.resolve("lib/lib"), install.resolve("lib/lib/bcprov.jar"), java);
        for (Path changed : inputs) {
            Instant now = Instant.now();
            for (Path input : inputs) {
                Files.setLastModifiedTime(input, FileTime.from(now.minusSeconds(100)));
            }
            Files.setLastModifiedTime(cache, FileTime.from(now.minusSeconds(50)));
            Files.setLastModifiedTime(changed, FileTime.from(now.minusSeconds(10)));
            int before = lines().size();

            run(install.resolve("bin/meshctl"), "entry", "list");

            assertThat(lines().get(before)).as("after %s changed", changed).contains("-XX:AOTMode=record");
            awaitNewer(cache, now.minusSeconds(10));
            assertThat(caches()).containsExactly(cache);
        }
        int before = lines().size();
        run(install.resolve("bin/meshctl"), "entry", "list");
        assertThat(lines().get(before)).contains("-XX:AOTCache=" + cache).doesNotContain("AOTMode");
    }

    @Test
    void helpVersionAndFailedCommandsRecordNothing() throws Exception {
        assertThat(run(install.resolve("bin/meshctl"), "--version")).isZero();
        assertThat(run(install.resolve("bin/meshctl"), "--help")).isZero();
        assertThat(run(install.resolve("bin/meshctl"))).isZero();
        assertThat(lines()).allSatisfy(line -> assertThat(line).doesNotContain("AOT"));

        assertThat(run(install.resolve("bin/meshctl"), "entry", "fail")).isEqualTo(1);
        TimeUnit.MILLISECONDS.sleep(300);

        assertThat(lines().getLast()).contains("-XX:AOTMode=record");
        assertThat(lines()).noneMatch(line -> line.contains("AOTMode=create"));
        assertThat(caches()).isEmpty();
        try (Stream<Path> left = Files.list(caches)) {
            assertThat(left).as("the failed run's configuration is removed").isEmpty();
        }
    }

    @Test
    void theCacheCanBeTurnedOff() throws Exception {
        assertThat(run(install.resolve("bin/meshctl"), List.of("MESHCTL_AOT=off"), "entry", "list")).isZero();

        assertThat(lines()).singleElement().asString().doesNotContain("AOT").contains("-jar " + jar);
    }

    @Test
    void aSymlinkedLauncherFindsItsInstall() throws Exception {
        Path link = Files.createDirectories(dir.resolve("bin")).resolve("meshctl");
        Files.createSymbolicLink(link, install.resolve("bin/meshctl"));

        assertThat(run(link, List.of("MESHCTL_AOT=off"), "entry", "list")).isZero();

        assertThat(lines()).singleElement().asString().contains("-jar " + jar.toRealPath());
    }

    private int run(Path launcher, String... args) throws Exception {
        return run(launcher, List.of(), args);
    }

    private int run(Path launcher, List<String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(launcher.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("out.log").toFile()));
        builder.environment().keySet().removeIf(k -> k.startsWith("MESHCTL_") || k.startsWith("MESHID_"));
        builder.environment().put("JAVA_HOME", java.getParent().getParent().toString());
        builder.environment().put("MESHCTL_CDS_DIR", caches.toString());
        for (String pair : env) {
            builder.environment().put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
        }
        Process process = builder.start();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return process.exitValue();
    }

    private Path awaitOneCache() throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
        while (caches().isEmpty() && Instant.now().isBefore(deadline)) {
            TimeUnit.MILLISECONDS.sleep(20);
        }
        assertThat(caches()).hasSize(1);
        return caches().getFirst();
    }

    private void awaitNewer(Path cache, Instant than) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
        while (!(Files.exists(cache) && Files.getLastModifiedTime(cache).toInstant().isAfter(than)) && Instant.now().isBefore(deadline)) {
            TimeUnit.MILLISECONDS.sleep(20);
        }
        assertThat(Files.getLastModifiedTime(cache).toInstant()).as("the cache written again").isAfter(than);
    }

    private List<Path> caches() throws IOException {
        if (!Files.isDirectory(caches)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(caches)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".aot")).sorted().toList();
        }
    }

    private List<String> lines() throws IOException {
        return Files.exists(calls) ? Files.readAllLines(calls, StandardCharsets.UTF_8) : List.of();
    }

    private static void executable(Path file) throws IOException {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
