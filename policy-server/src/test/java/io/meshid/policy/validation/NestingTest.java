package io.meshid.policy.validation;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshid.common.errors.MeshidException;
import org.junit.jupiter.api.Test;

class NestingTest {

    @Test
    void bracketsAtTheBound_pass_andOneMore_isRefusedWhereItOpens() {
        assertThatCode(() -> check("(".repeat(32) + ")".repeat(32))).doesNotThrowAnyException();

        assertThatThrownBy(() -> check("permit(\n  principal, action, resource) when {\n" + "[".repeat(40) + "]".repeat(40) + "};"))
                .isInstanceOf(MeshidException.InvalidArgument.class)
                .hasMessage("f: line 3, column 32: brackets nested 33 deep (expected: at most 32 open at once;"
                        + " Cedar's native parser cannot take deeper nesting safely)");
    }

    @Test
    void bracketsInStringsAndComments_doNotCount() {
        String text = "// " + "(".repeat(100) + "\npermit(principal, action, resource) when { context.s == \"" + "([{".repeat(100)
                + "\\\"" + "\" };";

        assertThatCode(() -> check(text)).doesNotThrowAnyException();
    }

    @Test
    void ifsAndOperators_areCountedPerStatement() {
        String ifs = "permit(principal, action, resource) when { " + "if true then ".repeat(32) + "true" + " else false".repeat(32) + " };";
        String chain = "permit(principal, action, resource) when { true" + " && true".repeat(499) + " };";

        assertThatCode(() -> check(ifs + ifs + chain + chain)).doesNotThrowAnyException();
        assertThatThrownBy(() -> check("permit(principal, action, resource) when { " + "if true then ".repeat(65) + "true };"))
                .hasMessageContaining("65 if expressions in one statement (expected: at most 64");
        assertThatThrownBy(() -> check("permit(principal, action, resource) when { context" + ".a".repeat(1_001) + " };"))
                .hasMessageContaining("1001 operators in one statement (expected: at most 1000");
        assertThatThrownBy(() -> check("permit(principal, action, resource) when { 1" + " + 1 - 1".repeat(501) + " > 0 };"))
                .hasMessageContaining("operators in one statement");
    }

    @Test
    void wordsThatMerelyStartLikeKeywords_areNotCounted() {
        String text = "permit(principal, action, resource) when { " + "context.iffy || ".repeat(400) + "context.island };";

        assertThatCode(() -> check(text)).doesNotThrowAnyException();
    }

    private static void check(String text) {
        Nesting.check("f", text, Nesting.MAX_POLICY_BRACKETS, Nesting.MAX_POLICY_IFS, Nesting.MAX_POLICY_OPERATORS);
    }
}
