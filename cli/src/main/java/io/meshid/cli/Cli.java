package io.meshid.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;

/**
 * What a run of meshctl sees of the world: its environment variables, working directory and
 * output streams. Tests run meshctl in-process with their own. Immutable (the writers are not).
 *
 * @param env the environment variables
 * @param cwd the working directory, against which relative paths are read
 * @param out standard output: the command's result
 * @param err standard error: one line per failure
 */
public record Cli(Map<String, String> env, Path cwd, PrintWriter out, PrintWriter err) {

    /** Copies the environment. */
    public Cli {
        env = Map.copyOf(env);
    }

    /** {@code path} against the working directory. */
    public Path resolve(Path path) {
        return cwd.resolve(path).normalize();
    }
}
