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
        String[][] lines = {{}, {"--help"}, {"-V"}, {"generate-completion"}, {"entri", "list"}};
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
}
