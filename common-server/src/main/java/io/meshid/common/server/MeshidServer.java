package io.meshid.common.server;

import io.micronaut.context.ApplicationContext;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.runtime.Micronaut;
import io.micronaut.runtime.server.EmbeddedServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a meshid server process. A start-up failure caused by bad configuration ends the process
 * with exit code 2 and one log line that names the setting and the fix, rather than a stack trace
 * of bean wiring.
 */
public final class MeshidServer {

    private static final Logger LOG = LoggerFactory.getLogger(MeshidServer.class);

    private MeshidServer() {
    }

    /** Runs the Micronaut application whose main class is {@code application}. */
    public static void run(Class<?> application, String... args) {
        ApplicationContext context = Micronaut.build(args).mainClass(application).banner(false).build();
        try {
            context.start();
            EmbeddedServer server = context.findBean(EmbeddedServer.class)
                    .orElseThrow(() -> new IllegalStateException("no HTTP server on the classpath"));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(server, context), "meshid-shutdown"));
            server.start();
        } catch (RuntimeException e) {
            ConfigurationException bad = configurationCause(e);
            if (bad == null) {
                throw e;
            }
            LOG.error("bad configuration: {}", bad.getMessage());
            System.exit(2);
        }
    }

    private static void stop(EmbeddedServer server, ApplicationContext context) {
        if (server.isRunning()) {
            server.stop();
        }
        if (context.isRunning()) {
            context.stop();
        }
    }

    private static ConfigurationException configurationCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConfigurationException c) {
                return c;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }
}
