package io.meshid.cli;

/** A command that needs the run's {@link Cli}; meshctl's factory hands it over after construction. */
public interface CliAware {

    /** Called once, before the command runs. */
    void cli(Cli cli);
}
