package io.meshid.identity.jwt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonWriterTest {

    private static String json(Map<String, ?> object) {
        return new String(JsonWriter.write(object), StandardCharsets.UTF_8);
    }

    private static Map<String, Object> reparsed(Map<String, ?> object) throws Exception {
        return JSONObjectUtils.parse(json(object));
    }

    @Test
    void everyCharacterBelowU0100_andTheLineSeparators_roundTripThroughNimbusesParser() throws Exception {
        StringBuilder all = new StringBuilder();
        for (char c = 0; c < 0x100; c++) {
            all.append(c);
        }
        all.append('\u2028').append('\u2029').append("é日本\uD83D\uDE00");

        assertThat(reparsed(Map.of("sub", all.toString()))).containsEntry("sub", all.toString());
    }

    @Test
    void quotesBackslashesAndControlCharacters_areEscaped_compactly() {
        assertThat(json(Map.of("a", "q\"b\\n\n\t\r\b\f\u0001\u001f\u007f\u2028")))
                .isEqualTo("{\"a\":\"q\\\"b\\\\n\\n\\t\\r\\b\\f\\u0001\\u001f\\u007f\\u2028\"}");
    }

    @Test
    void keysAreEscapedToo() throws Exception {
        assertThat(reparsed(Map.of("k\"\\\n", 1L))).containsEntry("k\"\\\n", 1L);
    }

    @Test
    void nestedActChains_listsNumbersBooleansAndNull_keepTheirShape() throws Exception {
        Map<String, Object> act = new LinkedHashMap<>();
        act.put("sub", "spiffe://t/ns/a");
        act.put("act", Map.of("sub", "spiffe://t/ns/\"b\"", "iss", "https://idp/\u00e9"));
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("act", act);
        claims.put("aud", List.of("x", "y\\"));
        claims.put("exp", 1_796_165_300L);
        claims.put("n", 7);
        claims.put("ok", true);
        claims.put("none", null);
        claims.put("d", 1.5);

        assertThat(json(claims)).startsWith("{\"act\":{\"sub\":\"spiffe://t/ns/a\",\"act\":{");
        Map<String, Object> back = reparsed(claims);
        assertThat(back.get("act")).isEqualTo(JSONObjectUtils.parse(JSONObjectUtils.toJSONString(Map.of("sub", "spiffe://t/ns/a",
                "act", Map.of("sub", "spiffe://t/ns/\"b\"", "iss", "https://idp/\u00e9")))));
        assertThat(back).containsEntry("aud", List.of("x", "y\\")).containsEntry("exp", 1_796_165_300L).containsEntry("n", 7L)
                .containsEntry("ok", true).containsEntry("none", null).containsEntry("d", 1.5);
    }

    @Test
    void valuesWithoutAJsonForm_areRefused_namingTheClaim() {
        assertThatThrownBy(() -> JsonWriter.write(Map.of("iat", new Date())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("claim iat: a java.util.Date (expected:");
        assertThatThrownBy(() -> JsonWriter.write(Map.of("act", Map.of("sub", URI.create("x:y")))))
                .hasMessageStartingWith("claim act.sub: a java.net.URI");
        assertThatThrownBy(() -> JsonWriter.write(Map.of("x", List.of(Double.NaN))))
                .hasMessageStartingWith("claim x[0]: a java.lang.Double");
    }
}
