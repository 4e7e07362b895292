package io.meshid.common.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.joran.spi.JoranException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.slf4j.event.KeyValuePair;

/**
 * The servers' logback.xml in both formats: a structured event (the decision log's key/value pairs)
 * shows its fields in the text format that {@code ./meshid dev} uses, not only its message.
 */
class LogFormatTest {

    @Test
    void textFormat_showsTheKeyValuePairsOfAStructuredEvent() throws JoranException {
        String line = render("text", decision());

        assertThat(line).contains("INFO ", "meshid.decision", "decision ");
        assertThat(line).contains("decision=\"ALLOW\"", "principal=\"spiffe://example.org/a\"", "policy_version=\"7\"");
    }

    @Test
    void textFormat_plainEvent_hasNoTrailingSpace() throws JoranException {
        String line = render("text", event("started"));

        assertThat(line).endsWith("started" + System.lineSeparator());
    }

    @Test
    void jsonFormat_carriesTheKeyValuePairsToo() throws JoranException {
        String line = render("json", decision());

        assertThat(line).contains("\"kvpList\"", "\"decision\"", "\"ALLOW\"", "\"policy_version\"");
    }

    private static LoggingEvent decision() {
        LoggingEvent e = event("decision");
        e.addKeyValuePair(new KeyValuePair("principal", "spiffe://example.org/a"));
        e.addKeyValuePair(new KeyValuePair("decision", "ALLOW"));
        e.addKeyValuePair(new KeyValuePair("policy_version", 7L));
        return e;
    }

    private static LoggingEvent event(String message) {
        LoggerContext scratch = new LoggerContext();
        scratch.setMDCAdapter(new LogbackMDCAdapter());
        Logger logger = scratch.getLogger("meshid.decision");
        return new LoggingEvent(LogFormatTest.class.getName(), logger, Level.INFO, message, null, null);
    }

    /** Configures a fresh context from the servers' logback.xml with MESHID_LOG_FORMAT = format. */
    @SuppressWarnings("unchecked")
    private static String render(String format, ILoggingEvent event) throws JoranException {
        LoggerContext context = new LoggerContext();
        context.putProperty("MESHID_LOG_FORMAT", format);
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        URL config = Objects.requireNonNull(LogFormatTest.class.getClassLoader().getResource("logback.xml"));
        configurator.doConfigure(config);
        try {
            var appender = (OutputStreamAppender<ILoggingEvent>) context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender(format);
            assertThat(appender).as("the %s appender is the root's", format).isNotNull();
            return new String(appender.getEncoder().encode(event), StandardCharsets.UTF_8);
        } finally {
            context.stop();
        }
    }
}
