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
@Command(name = "meshctl", mixinStandardHelpOptions = true, version = Meshctl.VERSION,
        description = "meshid's operator CLI: registration entries, join tokens, SVIDs, the CA, tokens, policies and the audit trail.",
        subcommands = {TrustDomainCommand.class, EntryCommand.class, JoinTokenCommand.class, SvidCommand.class,
            CaCommand.class, TokenCommand.class, PolicyCommand.class, OAuthClientCommand.class, AuditCommand.class,
            AutoComplete.GenerateCompletion.class, CommandLine.HelpCommand.class},
        footer = {"", "Server and credentials: flags, then MESHID_* environment variables, then the dev mesh's endpoints.json "
            + "(see docs/cli.md).", "Exit codes: 0 done, 1 refused or failed, 2 usage."})
public final class Meshctl implements Runnable {

    /** What {@code --version} prints. */
    static final String VERSION = "meshctl 0.1.0";

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

    /** The commands, by name: a run builds only the one it names (see {@link #commandLine(Cli, String[])}). */
    private static final Map<String, Class<?>> COMMANDS = commands();

    /** Runs {@code meshctl} and exits with its exit code. */
    public static void main(String[] args) {
        Warmup.inBackground();
        quietLogging(System.getenv("MESHCTL_LOG_LEVEL"));
        noPublicCas();
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        int code = run(args, new Cli(System.getenv(), Path.of("").toAbsolutePath(),
                new PrintWriter(stdout, true, StandardCharsets.UTF_8), new PrintWriter(stderr, true, StandardCharsets.UTF_8)));
        System.exit(code);
    }

    /** Runs one command line in {@code cli}'s environment and returns the exit code; never exits the JVM. */
    public static int run(String[] args, Cli cli) {
        String[] line = globalOptionsLast(args);
        CommandLine commandLine = commandLine(cli, line);
        try {
            return commandLine.execute(line);
        } finally {
            cli.out().flush();
            cli.err().flush();
        }
    }

    /**
     * Logging for a run: with {@code MESHCTL_LOG_LEVEL} unset or {@code OFF}, none at all (SLF4J's
     * no-operation provider, so logback never reads its XML: a few percent of a command's start-up);
     * otherwise logback at that level on stderr (meshctl-logback.xml). A property set by the caller wins.
     */
    static void quietLogging(String level) {
        if (level == null || level.isBlank() || level.trim().equalsIgnoreCase("OFF")) {
            if (System.getProperty("slf4j.provider") == null) {
                System.setProperty("slf4j.provider", "org.slf4j.helpers.NOP_FallbackServiceProvider");
                // else SLF4J reports on stderr, at its INFO level, that it loaded the provider it was told to
                if (System.getProperty("slf4j.internal.verbosity") == null) {
                    System.setProperty("slf4j.internal.verbosity", "WARN");
                }
            }
        } else if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "meshctl-logback.xml");
        }
    }

    /**
     * meshctl trusts only the meshid bundle it is given ({@link Session}); it never needs the JDK's
     * list of public CAs, so the JDK is told to have none (unless the caller set a trust store).
     * Netty and gRPC build the JDK's default TLS context once on the way (to read its protocols and
     * ALPN support), which would otherwise parse the ~150 certificates of {@code cacerts}: 60 ms or
     * more of a command (docs/benchmarks.md, meshctl start-up).
     */
    static void noPublicCas() {
        if (System.getProperty("javax.net.ssl.trustStore") == null) {
            System.setProperty("javax.net.ssl.trustStore", "NONE");
        }
    }

    /**
     * {@code -h/--help} on every command of the tree, not only the root: {@code meshctl token mint
     * --help} prints that command's usage (and exits 0) instead of complaining about the options it
     * lacks. ({@code --version} stays the root's: {@code policy get --version N} is an option of its own.)
     */
    private static void standardHelpOptions(CommandLine line) {
        CommandLine.Model.CommandSpec spec = line.getCommandSpec();
        if (spec.findOption("--help") == null) {
            spec.addOption(CommandLine.Model.OptionSpec.builder("-h", "--help").usageHelp(true)
                    .description("Show this help message and exit.").build());
        }
        line.getSubcommands().values().forEach(Meshctl::standardHelpOptions);
    }

    /** {@link GlobalOptions}' flags by name: whether each takes a value. */
    private static final Map<String, Boolean> GLOBAL_OPTIONS = globalOptions();

    /**
     * {@code args} with the {@link GlobalOptions} flags that come before or between the command's
     * words ({@code meshctl --json entry list}, {@code meshctl entry --json list}) moved behind
     * them (before a {@code --}, if any): kubectl and spire-server take connection flags anywhere,
     * while picocli gives them to the leaf command only, which would refuse them as unknown options
     * of the root or the group. A command is at most two words (group, verb); scanning stops at
     * the second word or at the first other option. Anything else is left as it is.
     */
    static String[] globalOptionsLast(String[] args) {
        java.util.List<String> moved = new java.util.ArrayList<>();
        java.util.List<String> rest = new java.util.ArrayList<>();
        int i = 0;
        int words = 0;
        while (i < args.length && words < 2) {
            String arg = args[i];
            if (GLOBAL_OPTIONS.containsKey(flagName(arg))) {
                boolean takesValue = GLOBAL_OPTIONS.get(flagName(arg)) && !arg.contains("=");
                moved.add(arg);
                if (takesValue && i + 1 < args.length) {
                    moved.add(args[i + 1]);
                }
                i += takesValue ? 2 : 1;
            } else if (arg.startsWith("-")) {
                break;
            } else {
                rest.add(arg);
                words++;
                i++;
            }
        }
        if (moved.isEmpty() || words == 0) {
            return args;
        }
        rest.addAll(java.util.Arrays.asList(args).subList(Math.min(i, args.length), args.length));
        int at = rest.indexOf("--");
        rest.addAll(at < 0 ? rest.size() : at, moved);
        return rest.toArray(String[]::new);
    }

    private static String flagName(String arg) {
        int equals = arg.indexOf('=');
        return arg.startsWith("-") && equals > 0 ? arg.substring(0, equals) : arg;
    }

    private static Map<String, Boolean> globalOptions() {
        Map<String, Boolean> options = new java.util.HashMap<>();
        for (java.lang.reflect.Field field : GlobalOptions.class.getDeclaredFields()) {
            CommandLine.Option option = field.getAnnotation(CommandLine.Option.class);
            if (option != null) {
                for (String name : option.names()) {
                    options.put(name, field.getType() != boolean.class);
                }
            }
        }
        return Map.copyOf(options);
    }

    /** The whole command tree, wired to {@code cli} (help, completion, and tests that read it). */
    static CommandLine commandLine(Cli cli) {
        return commandLine(cli, new String[0]);
    }

    /**
     * The command tree for {@code args}, wired to {@code cli}. When the first argument names a
     * command (and the line asks for no completion script), only that command's subtree is built:
     * picocli reflects over every annotated class it is given, and building all of them was about a
     * quarter of a command's start-up (docs/benchmarks.md, meshctl start-up). Anything else (no
     * command, {@code --help}, a typo) gets the whole tree, so help, errors and suggestions are
     * the same as ever.
     */
    static CommandLine commandLine(Cli cli, String[] args) {
        CommandLine.IFactory defaults = CommandLine.defaultFactory();
        CommandLine.IFactory factory = new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> type) throws Exception {
                K made = defaults.create(type);
                if (made instanceof CliAware aware) {
                    aware.cli(cli);
                }
                return made;
            }
        };
        Class<?> only = args.length > 0 ? COMMANDS.get(args[0]) : null;
        CommandLine commandLine;
        if (only == null) {
            commandLine = new CommandLine(new Meshctl(), factory);
        } else {
            commandLine = new CommandLine(new Lone(), factory);
            commandLine.addSubcommand(args[0], new CommandLine(only, factory));
        }
        standardHelpOptions(commandLine);
        commandLine.setOut(cli.out());
        commandLine.setErr(cli.err());
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        // An option that takes a value takes the next argument, whatever it starts with, as getopt, Go's flag
        // package (kubectl, spire-server) and step do: a join token is base64url and starts with '-' one time
        // in 64, and picocli read "--join-token -hi3R…" as the token missing and -h given.
        commandLine.setAllowOptionsAsOptionParameters(true);
        commandLine.setParameterExceptionHandler((e, unused) -> {
            CommandLine failed = e.getCommandLine();
            String expected = "";
            if (!failed.getSubcommands().isEmpty() && String.valueOf(e.getMessage()).startsWith("Missing required subcommand")) {
                expected = " (expected one of: " + String.join(", ", failed.getSubcommands().keySet().stream()
                        .filter(n -> !n.equals("help")).toList()) + ")";
            }
            cli.err().println("meshctl: " + e.getMessage() + expected + " (see '" + failed.getCommandSpec().qualifiedName() + " --help')");
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

    private static Map<String, Class<?>> commands() {
        Map<String, Class<?>> commands = new java.util.LinkedHashMap<>();
        for (Class<?> type : Meshctl.class.getAnnotation(Command.class).subcommands()) {
            if (type != AutoComplete.GenerateCompletion.class && type != CommandLine.HelpCommand.class) {
                commands.put(type.getAnnotation(Command.class).name(), type);
            }
        }
        return Map.copyOf(commands);
    }

    /**
     * The root of a run that names its command: meshctl's name, version and help options, without
     * the other commands (reached only when the command is named, so its {@link #run()} never is).
     */
    @Command(name = "meshctl", mixinStandardHelpOptions = true, version = Meshctl.VERSION)
    static final class Lone implements Runnable {
        @Override
        public void run() {
            throw new IllegalStateException("meshctl: no command");
        }
    }

    /** Environment variables of {@code cli}, for commands. */
    static Map<String, String> env(Cli cli) {
        return cli.env();
    }
}
