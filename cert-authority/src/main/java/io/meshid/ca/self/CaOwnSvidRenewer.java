package io.meshid.ca.self;

import io.meshid.ca.CaConfig;
import io.meshid.ca.authority.AuthorityManager;
import io.meshid.common.tls.StaticSvidSource;
import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the rotation schedule of every trust domain, and renews the CA's own SVID at half life or
 * as soon as the intermediate that signed it stops signing.
 */
@Singleton
final class CaOwnSvidRenewer {

    private static final Logger LOG = LoggerFactory.getLogger(CaOwnSvidRenewer.class);

    private final AuthorityManager authorities;
    private final LocalSvidIssuer issuer;
    private final StaticSvidSource source;
    private final Clock clock;
    private final CaConfig config;
    private final List<String> serverNames;

    CaOwnSvidRenewer(AuthorityManager authorities, LocalSvidIssuer issuer, StaticSvidSource source, Clock clock, CaConfig config,
            io.meshid.common.tls.TlsConfig tls) {
        this.serverNames = tls.getServerNames();
        this.authorities = authorities;
        this.issuer = issuer;
        this.source = source;
        this.clock = clock;
        this.config = config;
    }

    @Scheduled(fixedDelay = "${meshid.ca.rotation-check-interval:10s}", initialDelay = "${meshid.ca.rotation-check-interval:10s}")
    void check() {
        authorities.tickAll();
        var current = source.svid();
        boolean issuerGone = !authorities.signer(current.spiffeId().trustDomain()).certificate()
                .equals(current.chain().get(1));
        if (issuerGone || !clock.instant().isBefore(current.renewAt())) {
            source.update(issuer.issue(current.spiffeId(), config.getDefaultSvidTtl(), serverNames));
            LOG.info("renewed the CA's own SVID ({})", issuerGone ? "new intermediate" : "half life");
        }
    }
}
