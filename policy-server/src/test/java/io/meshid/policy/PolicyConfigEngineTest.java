package io.meshid.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshid.policy.cedar.EngineKind;
import io.micronaut.context.exceptions.ConfigurationException;
import org.junit.jupiter.api.Test;

class PolicyConfigEngineTest {

    @Test
    void engine_isJavaByDefault() {
        assertThat(new PolicyConfig().getEngine()).isEqualTo(EngineKind.JAVA);
    }

    @Test
    void engine_native_isAccepted() {
        PolicyConfig config = new PolicyConfig();

        config.setEngine("native");

        assertThat(config.getEngine()).isEqualTo(EngineKind.NATIVE);
    }

    @Test
    void engine_unknownName_failsNamingTheKey() {
        assertThatThrownBy(() -> new PolicyConfig().setEngine("wasm"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("meshid.policy.engine: 'wasm' (expected: java or native)");
    }
}
