package io.meshid.common.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RedisUrisTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "redis://127.0.0.1:6379          | redis://127.0.0.1:6379",
        "redis://app:s3cret@h:6379/2     | redis://app:****@h:6379/2",
        "redis://:s3cret@h               | redis://:****@h",
        "redis://s3cret@h                | redis://****@h",
        "rediss://app:p@ss:w@rd@h:6380   | rediss://app:****@h:6380",
        "h:6379                          | h:6379",
    })
    void mask_hidesThePasswordOnly(String uri, String masked) {
        assertThat(RedisUris.mask(uri)).isEqualTo(masked);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"redis://app:s3cret@h", "redis://s3cret@h", "app:s3cret@h"})
    void mask_neverShowsThePassword(String uri) {
        assertThat(RedisUris.mask(uri)).doesNotContain("s3cret");
    }
}
