package io.meshid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.meshid.common.testing.RequiresCommand;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The script {@code meshctl generate-completion} prints, sourced by a real bash and a real zsh
 * (through zsh's own completion system and {@code bashcompinit}, as docs/cli.md tells zsh users),
 * completes groups, verbs and flags. No server needed. The zsh case needs zsh on the machine
 * ({@link RequiresCommand}: skipped without it, failed under {@code CI=true}, where {@code .ci/run}
 * installs it); bash is always there.
 */
class CompletionScriptTest {

    @TempDir
    Path dir;

    private Path script;

    @BeforeEach
    void generate() throws IOException {
        StringWriter out = new StringWriter();
        Cli cli = new Cli(Map.of(), dir, new PrintWriter(out, true), new PrintWriter(new StringWriter(), true));
        assertThat(Meshctl.run(new String[] {"generate-completion"}, cli)).isZero();
        script = dir.resolve("meshctl-completion.sh");
        Files.writeString(script, out.toString());
    }

    @Test
    void bashCompletesGroupsVerbsAndFlags() throws Exception {
        Path harness = dir.resolve("complete.bash");
        Files.writeString(harness, """
                source "$1" 2>/dev/null
                try() {
                  COMP_WORDS=("$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
                  COMPREPLY=(); _complete_meshctl 2>/dev/null; echo "$*=${COMPREPLY[*]}"
                }
                try meshctl en
                try meshctl entry ''
                try meshctl entry create --sel
                try meshctl policy rol
                try meshctl ca rotate --cut
                """);

        List<String> lines = run("bash", harness.toString(), script.toString());

        assertThat(lines).containsExactly(
                "meshctl en=entry",
                "meshctl entry =create list show delete",
                "meshctl entry create --sel=--selector",
                "meshctl policy rol=rollback",
                "meshctl ca rotate --cut=--cutoff-after");
    }

    @Nested
    @RequiresCommand(value = "zsh", install = "apt-get install zsh")
    class Zsh {

        @Test
        void zshCompletesThroughBashcompinit() throws Exception {
            // An interactive zsh on a pseudo-terminal (zpty): a line typed with a tab is completed by zsh's
            // completion system, which calls the script's bash function through bashcompinit.
            Path harness = dir.resolve("complete.zsh");
            Files.writeString(harness, """
                    setopt extendedglob
                    zmodload zsh/zpty
                    zpty z zsh -f -i
                    zpty -w z "autoload -U compinit && compinit -u; autoload -U bashcompinit && bashcompinit; source ${(q)1} 2>/dev/null; PROMPT='%% '"
                    sleep 1; zpty -r -t z junk
                    t() {
                      zpty -w -n z "$1"$'\\t'
                      local out="" chunk="" i
                      for i in {1..50}; do
                        sleep 0.1
                        while zpty -r -t z chunk; do out+=$chunk; done
                        [[ $out == *"$2"* ]] && break
                      done
                      print -r -- "${1}=>${${out//$'\\e'\\[[0-9;?]#[a-zA-Z]/}//[^[:print:]]/}"
                      zpty -w -n z $'\\C-u'; sleep 0.2; zpty -r -t z junk
                    }
                    t 'meshctl ent' 'meshctl entry'
                    t 'meshctl entry cr' 'entry create'
                    t 'meshctl entry create --sel' '--selector'
                    zpty -d z
                    """);

            List<String> lines = run("zsh", harness.toString(), script.toString());

            assertThat(lines).hasSize(3);
            assertThat(lines.get(0)).startsWith("meshctl ent=>").contains("meshctl entry");
            assertThat(lines.get(1)).startsWith("meshctl entry cr=>").contains("meshctl entry create");
            assertThat(lines.get(2)).startsWith("meshctl entry create --sel=>").contains("meshctl entry create --selector");
        }
    }

    private static List<String> run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        boolean done = process.waitFor(60, TimeUnit.SECONDS);
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!done) {
            process.destroyForcibly();
        }
        assertThat(done).as("%s ended; output: %s", command[0], output).isTrue();
        return output.lines().filter(l -> !l.isBlank()).toList();
    }
}
