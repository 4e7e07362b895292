package io.meshid.cli;

import io.meshid.common.spiffe.SpiffeId;
import io.meshid.proto.identity.v1.Selector;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** picocli converters whose refusals say what was wrong and what was expected. Stateless. */
public final class Converters {

    private static final Pattern SHORT_DURATION =
            Pattern.compile("(?:(\\d{1,6})h)?(?:(\\d{1,6})m(?!s))?(?:(\\d{1,8})s)?(?:(\\d{1,9})ms)?");

    private Converters() {
    }

    /** {@code 90s}, {@code 5m}, {@code 1h30m}, {@code 500ms} or ISO-8601 {@code PT1H}; positive. */
    public static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return duration(value);
        }
    }

    /** As {@link DurationConverter}, and zero ({@code 0}, {@code 0s}, {@code PT0S}): "at once". */
    public static final class DurationOrZeroConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            if (value.trim().equals("0")) {
                return Duration.ZERO;
            }
            Duration parsed = parse(value);
            if (parsed == null || parsed.isNegative()) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a duration of zero or more (expected: such as "
                        + "0s, 90s, 5m or PT1H)");
            }
            return parsed;
        }
    }

    /** {@code true} or {@code false}, in any case. */
    public static final class BooleanConverter implements CommandLine.ITypeConverter<Boolean> {
        @Override
        public Boolean convert(String value) {
            return switch (value.trim().toLowerCase(Locale.ROOT)) {
                case "true" -> true;
                case "false" -> false;
                default -> throw new CommandLine.TypeConversionException("'" + value + "' is not true or false (expected: true or false)");
            };
        }
    }

    /** A policy version number: an integer of 0 or more (0: none yet, for --expected-version). */
    public static final class VersionConverter implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                long version = Long.parseLong(value.trim());
                if (version >= 0) {
                    return version;
                }
            } catch (NumberFormatException e) {
                // refused below
            }
            throw new CommandLine.TypeConversionException("'" + value + "' is not a policy version (expected: a version number "
                    + "such as 3, as policy versions lists them)");
        }
    }

    /** A SPIFFE ID, {@code spiffe://domain/path}. */
    public static final class SpiffeIdConverter implements CommandLine.ITypeConverter<SpiffeId> {
        @Override
        public SpiffeId convert(String value) {
            try {
                return SpiffeId.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a SPIFFE ID: " + e.getMessage());
            }
        }
    }

    /** A selector, {@code type:value} such as {@code k8s:cluster:prod}. */
    public static final class SelectorConverter implements CommandLine.ITypeConverter<Selector> {
        @Override
        public Selector convert(String value) {
            int colon = value.indexOf(':');
            if (colon <= 0 || colon == value.length() - 1) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a selector (expected: TYPE:VALUE, "
                        + "such as k8s:cluster:prod or k8s:ns:payments)");
            }
            return Selector.newBuilder().setType(value.substring(0, colon)).setValue(value.substring(colon + 1)).build();
        }
    }

    /**
     * An instant: ISO-8601 with a zone ({@code 2026-12-04T15:00:00Z}), or without one in UTC
     * ({@code 2026-12-04T15:00:00}, a day {@code 2026-12-04} from its start), or an age
     * ({@code 15m}, {@code 2h}: that long ago).
     */
    public static final class InstantConverter implements CommandLine.ITypeConverter<Instant> {
        @Override
        public Instant convert(String value) {
            String text = value.trim();
            try {
                return java.time.OffsetDateTime.parse(text).toInstant();
            } catch (DateTimeParseException notZoned) {
                // the other forms below
            }
            try {
                return java.time.LocalDateTime.parse(text).toInstant(java.time.ZoneOffset.UTC);
            } catch (DateTimeParseException notLocal) {
                // the other forms below
            }
            try {
                return java.time.LocalDate.parse(text).atStartOfDay(java.time.ZoneOffset.UTC).toInstant();
            } catch (DateTimeParseException notADay) {
                // an age, below
            }
            try {
                return Instant.now().minus(duration(text));
            } catch (CommandLine.TypeConversionException notAnAge) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a time (expected: ISO-8601 such as "
                        + "2026-12-04T15:00:00Z, 2026-12-04T15:00:00 or 2026-12-04 (UTC), or an age such as 15m or 2h)");
            }
        }
    }

    /** Parses a positive duration. */
    static Duration duration(String value) {
        Duration parsed = parse(value);
        if (parsed == null || parsed.isZero() || parsed.isNegative()) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a positive duration (expected: such as 90s, "
                    + "5m, 1h30m, 500ms or PT1H)");
        }
        return parsed;
    }

    /** {@code value} as a duration, or null when it is not one. */
    private static Duration parse(String value) {
        String text = value.trim().toLowerCase(Locale.ROOT);
        if (text.startsWith("p")) {
            try {
                return Duration.parse(text.toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                return null;
            }
        }
        Matcher m = SHORT_DURATION.matcher(text);
        if (text.isEmpty() || !m.matches()) {
            return null;
        }
        return Duration.ofHours(number(m.group(1))).plusMinutes(number(m.group(2))).plusSeconds(number(m.group(3)))
                .plusMillis(number(m.group(4)));
    }

    private static long number(String digits) {
        return digits == null ? 0 : Long.parseLong(digits);
    }
}
