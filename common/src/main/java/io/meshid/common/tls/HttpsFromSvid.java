package io.meshid.common.tls;

import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.env.Environment;
import io.micronaut.context.env.PropertySource;
import io.micronaut.core.annotation.Order;
import io.micronaut.core.order.Ordered;
import jakarta.annotation.PostConstruct;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the HTTP port over TLS with the server's X.509-SVID when {@code meshid.tls.https} is true
 * and the server has an SVID ({@code meshid.tls.mode} SVID): at start-up, before the HTTP server
 * exists, it sets {@code micronaut.server.ssl.enabled}, {@code key-name} and {@code trust-name}
 * ({@link SvidCertificateProvider}, which follows renewals) and puts the TLS port on
 * {@code micronaut.server.port}, so the port keeps its number and speaks only HTTPS. Settings of
 * the operator under {@code micronaut.server.ssl} win: if any is set, nothing is changed. Not
 * thread-safe, and need not be: it runs once, during start-up.
 */
@Context
// First of the eager beans: another one (a data source, say) may create the HTTP server's SSL
// configuration before this has set it.
@Order(Ordered.HIGHEST_PRECEDENCE)
@Requires(property = HttpsFromSvid.PROPERTY, value = "true")
@Requires(beans = SvidSource.class)
final class HttpsFromSvid {

    static final String PROPERTY = "meshid.tls.https";
    private static final Logger LOG = LoggerFactory.getLogger(HttpsFromSvid.class);
    private static final String SSL = "micronaut.server.ssl";

    private final Environment environment;

    HttpsFromSvid(Environment environment) {
        this.environment = environment;
    }

    @PostConstruct
    void configure() {
        if (environment.containsProperties(SSL)) {
            LOG.info("HTTP port: TLS as configured under {} (not from the SVID)", SSL);
            return;
        }
        Map<String, Object> ssl = new HashMap<>();
        ssl.put(SSL + ".enabled", true);
        ssl.put(SSL + ".key-name", SvidCertificateProvider.NAME);
        ssl.put(SSL + ".trust-name", SvidCertificateProvider.NAME);
        ssl.put(SSL + ".key.password", SvidCertificateProvider.KEY_PASSWORD);
        // A client certificate is asked for, never required: OAuth clients of the bridge may use
        // tls_client_auth (RFC 8705); one that is sent must chain to the trust bundle.
        ssl.put(SSL + ".client-authentication", "want");
        ssl.put(SSL + ".port", environment.getProperty("micronaut.server.port", Integer.class).orElse(8443));
        environment.addPropertySource(PropertySource.of("meshid-https-from-svid", ssl, Integer.MAX_VALUE));
    }
}
