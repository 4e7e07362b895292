package io.meshid.ca.self;

import io.meshid.ca.CaConfig;
import io.meshid.ca.authority.AuthorityManager;
import io.meshid.ca.bundle.BundleHub;
import io.meshid.common.server.MeshidConfig;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.tls.StaticSvidSource;
import io.meshid.common.tls.SvidSource;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CA's own identity ({@code spiffe://<trust-domain>/meshid/cert-authority}): the SVID its gRPC
 * server presents and the bundle it checks clients against. The CA needs no one to bootstrap it:
 * it creates its trust domains' authorities at start-up and signs its own SVID with them, then
 * renews it at half life and follows every bundle change, without restarting its server.
 */
@Factory
final class CaOwnIdentity {

    private static final Logger LOG = LoggerFactory.getLogger(CaOwnIdentity.class);

    /** The SPIFFE ID path of the CA in each trust domain. */
    static final String PATH = "/meshid/cert-authority";

    @Singleton
    @Bean(typed = {SvidSource.class, StaticSvidSource.class})
    StaticSvidSource caSvidSource(AuthorityManager authorities, LocalSvidIssuer issuer, BundleHub hub, MeshidConfig meshid,
            CaConfig config, io.meshid.common.tls.TlsConfig tls) {
        List<TrustDomain> domains = new ArrayList<>();
        domains.add(meshid.getTrustDomain());
        config.getTrustDomains().stream().map(TrustDomain::of).filter(d -> !domains.contains(d)).forEach(domains::add);
        domains.forEach(authorities::ensure);
        TrustDomain home = meshid.getTrustDomain();
        StaticSvidSource source = new StaticSvidSource(issuer.issue(SpiffeId.of(home, PATH), config.getDefaultSvidTtl(), tls.getServerNames()),
                LocalSvidIssuer.toX509Bundle(authorities.bundle(home)));
        hub.subscribe(home, bundle -> source.update(LocalSvidIssuer.toX509Bundle(bundle)));
        LOG.info("serving trust domains {} as {}", domains, source.svid().spiffeId());
        return source;
    }
}
