package io.meshid.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The converters accept the forms their help names and refuse the rest with what was expected. */
class ConvertersTest {

    @Test
    void durations_inShortAndIsoForms() {
        Converters.DurationConverter positive = new Converters.DurationConverter();

        assertThat(positive.convert("90s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(positive.convert("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(positive.convert("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(positive.convert("1m30s250ms")).isEqualTo(Duration.ofMillis(90_250));
        assertThat(positive.convert("PT1H")).isEqualTo(Duration.ofHours(1));
        for (String bad : new String[] {"0s", "PT0S", "-5m", "5", "m", "", "5 minutes", "1ms5s", "PT-1H"}) {
            assertThatThrownBy(() -> positive.convert(bad)).as(bad).isInstanceOf(CommandLine.TypeConversionException.class)
                    .hasMessageContaining("is not a positive duration (expected: such as 90s");
        }
    }

    @Test
    void zeroIsADurationWhereItMeansAtOnce() {
        Converters.DurationOrZeroConverter orZero = new Converters.DurationOrZeroConverter();

        assertThat(orZero.convert("0")).isZero();
        assertThat(orZero.convert("0s")).isZero();
        assertThat(orZero.convert("PT0S")).isZero();
        assertThat(orZero.convert("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThatThrownBy(() -> orZero.convert("-1s")).hasMessageContaining("is not a duration of zero or more");
        assertThatThrownBy(() -> orZero.convert("soon")).hasMessageContaining("is not a duration of zero or more");
    }

    @Test
    void instants_withOrWithoutAZoneADayOrAnAge() {
        Converters.InstantConverter instants = new Converters.InstantConverter();

        assertThat(instants.convert("2026-12-05T16:00:00Z")).isEqualTo(Instant.parse("2026-12-05T16:00:00Z"));
        assertThat(instants.convert("2026-12-05T17:00:00+01:00")).isEqualTo(Instant.parse("2026-12-05T16:00:00Z"));
        assertThat(instants.convert("2026-12-05T16:00:00")).isEqualTo(Instant.parse("2026-12-05T16:00:00Z"));
        assertThat(instants.convert("2026-12-05")).isEqualTo(Instant.parse("2026-12-05T00:00:00Z"));
        assertThat(instants.convert("15m")).isBetween(Instant.now().minusSeconds(15 * 60 + 5), Instant.now().minusSeconds(15 * 60 - 5));
        assertThatThrownBy(() -> instants.convert("yesterday")).hasMessageContaining("is not a time (expected: ISO-8601");
        assertThatThrownBy(() -> instants.convert("2026-13-05")).hasMessageContaining("is not a time");
    }

    @Test
    void policyVersions() {
        Converters.VersionConverter versions = new Converters.VersionConverter();

        assertThat(versions.convert("3")).isEqualTo(3L);
        assertThat(versions.convert("0")).isZero();
        for (String bad : new String[] {"abc", "-1", "1.5", ""}) {
            assertThatThrownBy(() -> versions.convert(bad)).as(bad).hasMessageContaining("is not a policy version (expected: a version number");
        }
    }

    @Test
    void booleansAreTrueOrFalse() {
        Converters.BooleanConverter booleans = new Converters.BooleanConverter();

        assertThat(booleans.convert("true")).isTrue();
        assertThat(booleans.convert("FALSE")).isFalse();
        assertThatThrownBy(() -> booleans.convert("yes")).hasMessage("'yes' is not true or false (expected: true or false)");
    }
}
