package io.meshid.cli;

import io.grpc.StatusRuntimeException;
import io.meshid.cli.audit.AuditCommand;
import io.meshid.cli.ca.CaCommand;
import io.meshid.cli.policy.PolicyCommand;
import io.meshid.cli.registry.EntryCommand;
import io.meshid.cli.registry.JoinTokenCommand;
import io.meshid.cli.registry.OAuthClientCommand;
import io.meshid.cli.registry.TrustDomainCommand;
import io.meshid.cli.svid.SvidCommand;
import io.meshid.cli.token.TokenCommand;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code meshctl}, meshid's operator CLI: nouns and verbs as kubectl and spire-server name them,
 * gRPC over mutual TLS to cert-authority, identity-server and policy-server (docs/cli.md). Exit
 * codes: 0 done, 1 refused or failed (the server's message and request id on stderr), 2 usage
 * (a bad flag, a missing or bad file, no credentials). Not thread-safe: one run per instance.
 */
@Command(name = "meshctl", mixinStandardHelpOptions = true, version = "meshctl 0.1.0",
        description = "meshid's operator CLI: registration entries, join tokens, SVIDs, the CA, tokens, policies and the audit trail.",
        subcommands = {TrustDomainCommand.class, EntryCommand.class, JoinTokenCommand.class, SvidCommand.class,
            CaCommand.class, TokenCommand.class, PolicyCommand.class, OAuthClientCommand.class, AuditCommand.class,
            AutoComplete.GenerateCompletion.class},
        footer = {"", "Server and credentials: flags, then MESHID_* environment variables, then the dev mesh's endpoints.json "
            + "(see docs/cli.md).", "Exit codes: 0 done, 1 refused or failed, 2 usage."})
public final class Meshctl implements Runnable {

    /** Exit code of a command that did what it was asked. */
    public static final int OK = 0;
    /** Exit code of a command that the server refused or that failed. */
    public static final int FAILED = 1;
    /** Exit code of a command line or a local file that is wrong. */
    public static final int USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is missing (expected: one of "
                + String.join(", ", spec.subcommands().keySet()) + ")");
    }

    /** Runs {@code meshctl} and exits with its exit code. */
    public static void main(String[] args) {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "meshctl-logback.xml");
        }
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        int code = run(args, new Cli(System.getenv(), Path.of("").toAbsolutePath(),
                new PrintWriter(stdout, true, StandardCharsets.UTF_8), new PrintWriter(stderr, true, StandardCharsets.UTF_8)));
        System.exit(code);
    }

    /** Runs one command line in {@code cli}'s environment and returns the exit code; never exits the JVM. */
    public static int run(String[] args, Cli cli) {
        CommandLine commandLine = commandLine(cli);
        try {
            return commandLine.execute(args);
        } finally {
            cli.out().flush();
            cli.err().flush();
        }
    }

    /** The command tree, wired to {@code cli}. */
    static CommandLine commandLine(Cli cli) {
        CommandLine.IFactory defaults = CommandLine.defaultFactory();
        CommandLine commandLine = new CommandLine(new Meshctl(), new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> type) throws Exception {
                K made = defaults.create(type);
                if (made instanceof CliAware aware) {
                    aware.cli(cli);
                }
                return made;
            }
        });
        commandLine.setOut(cli.out());
        commandLine.setErr(cli.err());
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        commandLine.setParameterExceptionHandler((e, args) -> {
            CommandLine failed = e.getCommandLine();
            cli.err().println("meshctl: " + e.getMessage() + " (see '" + failed.getCommandSpec().qualifiedName() + " --help')");
            return USAGE;
        });
        commandLine.setExecutionExceptionHandler((e, failed, parsed) -> {
            if (e instanceof CliException c) {
                cli.err().println("meshctl: " + c.getMessage());
                return c.exitCode();
            }
            if (e instanceof StatusRuntimeException s) {
                cli.err().println("meshctl: " + Failures.describe(s, null, null));
                return FAILED;
            }
            cli.err().println("meshctl: " + e);
            return FAILED;
        });
        return commandLine;
    }

    /** Environment variables of {@code cli}, for commands. */
    static Map<String, String> env(Cli cli) {
        return cli.env();
    }
}
