package io.meshid.common.ratelimit;

import io.micronaut.context.exceptions.ConfigurationException;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One limit: at most {@code permits} calls per fixed {@code window}. Written {@code 10/PT1M} in
 * configuration. Immutable.
 *
 * @param permits calls allowed in one window, at least 1
 * @param window  the window, between 1 s and 1 h
 */
public record RateLimit(long permits, Duration window) {

    private static final Pattern TEXT = Pattern.compile("(\\d{1,9})/(P\\S+)");
    private static final Duration MIN_WINDOW = Duration.ofSeconds(1);
    private static final Duration MAX_WINDOW = Duration.ofHours(1);

    /** Checks the bounds. */
    public RateLimit {
        if (permits < 1) {
            throw new IllegalArgumentException("permits: " + permits + " (expected: at least 1)");
        }
        if (window.compareTo(MIN_WINDOW) < 0 || window.compareTo(MAX_WINDOW) > 0 || window.toMillis() % 1000 != 0) {
            throw new IllegalArgumentException("window: " + window + " (expected: whole seconds between " + MIN_WINDOW
                    + " and " + MAX_WINDOW + ")");
        }
    }

    /** {@code permits} calls per second. */
    public static RateLimit perSecond(long permits) {
        return new RateLimit(permits, Duration.ofSeconds(1));
    }

    /** Parses {@code "<permits>/<ISO-8601 duration>"}, failing with a message that names {@code key}. */
    static RateLimit parse(String key, String text) {
        Matcher m = TEXT.matcher(text == null ? "" : text.strip());
        try {
            if (m.matches()) {
                return new RateLimit(Long.parseLong(m.group(1)), Duration.parse(m.group(2)));
            }
        } catch (RuntimeException e) {
            throw new ConfigurationException(key + ": '" + text + "': " + e.getMessage()
                    + " (expected: <calls>/<ISO-8601 window>, such as 10/PT1M)");
        }
        throw new ConfigurationException(key + ": '" + text + "' (expected: <calls>/<ISO-8601 window>, such as 10/PT1M)");
    }

    @Override
    public String toString() {
        return permits + "/" + window;
    }
}
