package io.meshid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * A run builds only the command it names (start-up: docs/benchmarks.md, meshctl start-up), and
 * help, completion and mistakes still see the whole tree. No server needed.
 */
class MeshctlCommandTreeTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private final Cli cli = new Cli(Map.of(), Path.of("").toAbsolutePath(), new PrintWriter(out, true), new PrintWriter(err, true));

    @Test
    void aNamedCommandBuildsOnlyItsOwnSubtree() {
        CommandLine line = Meshctl.commandLine(cli, new String[] {"entry", "list"});

        assertThat(line.getSubcommands()).containsOnlyKeys("entry");
        assertThat(line.getSubcommands().get("entry").getSubcommands()).containsKeys("create", "list", "show", "delete");
        assertThat(line.getCommandSpec().qualifiedName()).isEqualTo("meshctl");
    }

    @Test
    void noCommandHelpAndCompletionGetTheWholeTree() {
        String[][] lines = {{}, {"--help"}, {"-V"}, {"generate-completion"}, {"help", "entry"}, {"entri", "list"}};
        for (String[] args : lines) {
            assertThat(Meshctl.commandLine(cli, args).getSubcommands())
                    .as(String.join(" ", args))
                    .containsKeys("trust-domain", "entry", "join-token", "svid", "ca", "token", "policy", "oauth-client", "audit",
                            "generate-completion");
        }
    }

    @Test
    void aTypoIsStillAUsageError() {
        int code = Meshctl.run(new String[] {"entri", "list"}, cli);

        assertThat(code).isEqualTo(Meshctl.USAGE);
        assertThat(err.toString()).startsWith("meshctl: Unmatched argument").contains("'entri'").contains("see 'meshctl --help'");
    }

    @Test
    void aNamedCommandsUsageErrorsNameIt() {
        assertThat(Meshctl.run(new String[] {"entry", "list", "--no-such-flag"}, cli)).isEqualTo(Meshctl.USAGE);
        assertThat(err.toString()).contains("Unknown option: '--no-such-flag'").contains("see 'meshctl entry list --help'");
    }

    @Test
    void helpListsEveryCommand() {
        assertThat(Meshctl.run(new String[] {"--help"}, cli)).isZero();
        assertThat(out.toString()).contains("Usage: meshctl").contains("entry").contains("audit").contains("generate-completion");
    }

    @Test
    void noCommandIsAUsageErrorListingThemAll() {
        assertThat(Meshctl.run(new String[0], cli)).isEqualTo(Meshctl.USAGE);
        assertThat(err.toString()).contains("a command is missing").contains("entry").contains("audit");
    }

    @Test
    void theJdksPublicCasAreNotReadUnlessTheCallerNamesATrustStore() {
        String before = System.getProperty("javax.net.ssl.trustStore");
        try {
            System.clearProperty("javax.net.ssl.trustStore");
            Meshctl.noPublicCas();
            assertThat(System.getProperty("javax.net.ssl.trustStore")).isEqualTo("NONE");

            System.setProperty("javax.net.ssl.trustStore", "/etc/ssl/company-cas.p12");
            Meshctl.noPublicCas();
            assertThat(System.getProperty("javax.net.ssl.trustStore")).isEqualTo("/etc/ssl/company-cas.p12");
        } finally {
            if (before == null) {
                System.clearProperty("javax.net.ssl.trustStore");
            } else {
                System.setProperty("javax.net.ssl.trustStore", before);
            }
        }
    }

    @Test
    void connectionFlagsMayComeBeforeTheCommand() {
        assertThat(Meshctl.globalOptionsLast(new String[] {"--json", "--dev-dir", "/d", "--timeout=3s", "entry", "show", "id"}))
                .containsExactly("entry", "show", "id", "--json", "--dev-dir", "/d", "--timeout=3s");
        assertThat(Meshctl.globalOptionsLast(new String[] {"-o", "json", "policy", "put", "--", "-odd-dir"}))
                .containsExactly("policy", "put", "-o", "json", "--", "-odd-dir");
        assertThat(Meshctl.globalOptionsLast(new String[] {"entry", "--json", "list", "--limit", "5"}))
                .containsExactly("entry", "list", "--limit", "5", "--json");
        assertThat(Meshctl.globalOptionsLast(new String[] {"entry", "show", "--json", "id"})).as("after the verb: picocli's own")
                .containsExactly("entry", "show", "--json", "id");
        String[][] unchanged = {{"entry", "list", "--json"}, {"--help"}, {"--json"}, {"--dev-dir", "/d"}, {"--no-such", "entry", "list"}, {}};
        for (String[] args : unchanged) {
            assertThat(Meshctl.globalOptionsLast(args)).as(String.join(" ", args)).containsExactly(args);
        }

        int code = Meshctl.run(new String[] {"--dev-dir", "/nonexistent-dev-dir", "entry", "list"}, cli);

        assertThat(code).isEqualTo(Meshctl.USAGE);
        assertThat(err.toString()).contains("/nonexistent-dev-dir").doesNotContain("Unknown option");
    }

    @Test
    void everyCommandPrintsItsOwnHelp() {
        java.util.List<java.util.List<String>> paths = new java.util.ArrayList<>();
        commands(Meshctl.commandLine(cli), new java.util.ArrayList<>(), paths);
        assertThat(paths).hasSizeGreaterThan(30).contains(java.util.List.of("token", "mint"), java.util.List.of("entry", "list"));
        for (java.util.List<String> path : paths) {
            for (String flag : new String[] {"--help", "-h"}) {
                StringWriter pathOut = new StringWriter();
                Cli own = new Cli(Map.of(), Path.of("").toAbsolutePath(), new PrintWriter(pathOut, true), new PrintWriter(err, true));
                String[] args = java.util.stream.Stream.concat(path.stream(), java.util.stream.Stream.of(flag)).toArray(String[]::new);

                assertThat(Meshctl.run(args, own)).as(String.join(" ", args) + ": " + err).isZero();
                assertThat(pathOut.toString()).as(String.join(" ", args)).startsWith("Usage: meshctl " + String.join(" ", path));
            }
        }
        assertThat(err.toString()).isEmpty();
    }

    private static void commands(CommandLine line, java.util.List<String> path, java.util.List<java.util.List<String>> paths) {
        line.getSubcommands().forEach((name, sub) -> {
            if (!name.equals(sub.getCommandName()) || name.equals("help")) {
                return; // an alias, or picocli's help command (help --help is the root's usage)
            }
            java.util.List<String> subPath = new java.util.ArrayList<>(path);
            subPath.add(name);
            paths.add(subPath);
            commands(sub, subPath, paths);
        });
    }

    @Test
    void helpNamesACommandAsGitAndKubectlDo() {
        assertThat(Meshctl.run(new String[] {"help", "entry"}, cli)).isZero();

        assertThat(out.toString()).startsWith("Usage: meshctl entry").contains("create", "delete");
    }

    @Test
    void aGroupWithoutItsVerbNamesTheVerbs() {
        assertThat(Meshctl.run(new String[] {"entry"}, cli)).isEqualTo(Meshctl.USAGE);

        assertThat(err.toString()).contains("Missing required subcommand").contains("(expected one of: create, list, show, delete)");
    }

    @Test
    void aValueThatStartsWithADashIsTheOptionsValue() {
        // base64url join tokens start with '-' one time in 64; "-h…" also looks like the help flag
        for (String token : new String[] {"-hi3ROmHptA3xxOHQCLt-dKCnARjS2CCXUmJOQq3u6s", "--out", "-"}) {
            String[] args = {"svid", "fetch", "--join-token", token, "--out", "dir"};

            CommandLine.ParseResult parsed = Meshctl.commandLine(cli, args).parseArgs(args);

            CommandLine.ParseResult fetch = parsed.subcommand().subcommand();
            assertThat(fetch.matchedOptionValue("--join-token", "")).as(token).isEqualTo(token);
            assertThat(fetch.<Path>matchedOptionValue("--out", null)).isEqualTo(Path.of("dir"));
        }
    }
}
