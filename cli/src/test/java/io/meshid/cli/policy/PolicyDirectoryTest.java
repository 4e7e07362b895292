package io.meshid.cli.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.meshid.cli.CliException;
import io.meshid.cli.Meshctl;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A policy directory that cannot be read is a usage error naming the file, the place and what was expected. */
class PolicyDirectoryTest {

    @TempDir
    Path dir;

    @Test
    void aLinksFileThatIsNotJson_isRefusedAtItsLineAndColumn() throws Exception {
        Files.writeString(dir.resolve("schema.cedarschema"), "entity User;\n");
        Files.writeString(dir.resolve("policies.cedar"), "@id(\"p\")\npermit (principal, action, resource);\n");
        Files.writeString(dir.resolve("links.json"), "[{\"template_id\": \"t\", \"link_id\": \"l\"},\n");

        CliException refused = catchThrowableOfType(CliException.class, () -> PolicyDirectory.read(dir));

        assertThat(refused.exitCode()).isEqualTo(Meshctl.USAGE);
        assertThat(refused.getMessage()).startsWith(dir.resolve("links.json") + ":2:1: not valid JSON: ")
                .contains("(expected: [{\"template_id\"").doesNotContain("java.io", "path $");
    }
}
