package io.meshid.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;

/**
 * A leaf command that talks to meshid's servers: it gets the {@link GlobalOptions}, a
 * {@link Session} for the run and an {@link Output}. Subclasses implement {@link #run(Session, Output)}
 * and return an exit code. Not thread-safe.
 */
public abstract class ServerCommand implements Callable<Integer>, CliAware {

    @Mixin
    protected GlobalOptions options;

    protected Cli cli;

    @Override
    public final void cli(Cli cli) {
        this.cli = cli;
    }

    @Override
    public final Integer call() {
        try (Session session = new Session(options, cli)) {
            return run(session, new Output(cli.out(), options.json()));
        }
    }

    /** Does the command's work. */
    protected abstract int run(Session session, Output out);
}
