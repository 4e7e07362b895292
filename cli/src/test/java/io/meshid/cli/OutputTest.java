package io.meshid.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** meshctl's own JSON objects (for rpcs that return nothing to print) are valid JSON, escaped, in order. */
class OutputTest {

    @Test
    void ownObjects_areEscapedAndKeepTheirOrder() {
        StringWriter text = new StringWriter();
        Output out = new Output(new PrintWriter(text, true), true);

        out.json("client_id", "ci \"quoted\" \\ back", "deleted", true, "count", 3);

        assertThat(text.toString().strip()).isEqualTo("{\"client_id\":\"ci \\\"quoted\\\" \\\\ back\",\"deleted\":true,\"count\":3}");
        assertThat(com.google.gson.JsonParser.parseString(text.toString()).getAsJsonObject().get("client_id").getAsString())
                .isEqualTo("ci \"quoted\" \\ back");
        assertThatThrownBy(() -> out.json("odd")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected: pairs");
    }
}
