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

    private static final Pattern SHORT_DURATION = Pattern.compile("(?:(\\d{1,6})h)?(?:(\\d{1,6})m)?(?:(\\d{1,8})s)?");

    private Converters() {
    }

    /** {@code 90s}, {@code 5m}, {@code 1h30m} or ISO-8601 {@code PT1H}; positive. */
    public static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return duration(value);
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

    /** A selector, {@code type:value} such as {@code k8s:ns:payments}. */
    public static final class SelectorConverter implements CommandLine.ITypeConverter<Selector> {
        @Override
        public Selector convert(String value) {
            int colon = value.indexOf(':');
            if (colon <= 0 || colon == value.length() - 1) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a selector (expected: TYPE:VALUE, "
                        + "such as k8s:ns:payments)");
            }
            return Selector.newBuilder().setType(value.substring(0, colon)).setValue(value.substring(colon + 1)).build();
        }
    }

    /** An instant: ISO-8601 ({@code 2026-12-04T15:00:00Z}) or an age ({@code 15m}, {@code 2h}: that long ago). */
    public static final class InstantConverter implements CommandLine.ITypeConverter<Instant> {
        @Override
        public Instant convert(String value) {
            try {
                return Instant.parse(value);
            } catch (DateTimeParseException e) {
                try {
                    return Instant.now().minus(duration(value));
                } catch (CommandLine.TypeConversionException notAnAge) {
                    throw new CommandLine.TypeConversionException("'" + value + "' is not a time (expected: ISO-8601 such as "
                            + "2026-12-04T15:00:00Z, or an age such as 15m or 2h)");
                }
            }
        }
    }

    /** Parses a positive duration. */
    static Duration duration(String value) {
        String text = value.trim().toLowerCase(Locale.ROOT);
        Duration parsed = null;
        if (text.startsWith("pt") || text.startsWith("p")) {
            try {
                parsed = Duration.parse(text.toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                parsed = null;
            }
        } else {
            Matcher m = SHORT_DURATION.matcher(text);
            if (!text.isEmpty() && m.matches()) {
                parsed = Duration.ofHours(number(m.group(1))).plusMinutes(number(m.group(2))).plusSeconds(number(m.group(3)));
            }
        }
        if (parsed == null || parsed.isZero() || parsed.isNegative()) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a positive duration (expected: such as 90s, "
                    + "5m, 1h30m or PT1H)");
        }
        return parsed;
    }

    private static long number(String digits) {
        return digits == null ? 0 : Long.parseLong(digits);
    }
}
