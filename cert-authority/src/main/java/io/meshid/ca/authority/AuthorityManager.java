package io.meshid.ca.authority;

import io.meshid.ca.authority.Authority.Level;
import io.meshid.ca.authority.Authority.State;
import io.meshid.ca.CaConfig;
import io.meshid.ca.bundle.BundleHub;
import io.meshid.ca.bundle.TrustBundle;
import io.meshid.ca.keys.AuthorityKeys;
import io.meshid.ca.keys.Signer;
import io.meshid.common.audit.AuditEvent;
import io.meshid.common.audit.AuditLog;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.server.MeshidConfig;
import io.meshid.common.server.RequestIds;
import io.meshid.common.spiffe.TrustDomain;
import jakarta.inject.Singleton;
import io.meshid.ca.journal.IssuanceJournal;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns each trust domain's authorities: creates them on first use, rotates them on the schedule
 * of {@link RotationSchedule}, rotates them at once on request, and publishes every bundle change
 * to the {@link BundleHub}. Reads ({@link #signer}, {@link #bundle}) come from an in-memory
 * snapshot; changes go through the database under a per-trust-domain lock. Thread-safe.
 */
@Singleton
public final class AuthorityManager {

    private static final Logger LOG = LoggerFactory.getLogger(AuthorityManager.class);

    /** New certificates start a little in the past, for peers whose clocks run behind. */
    private static final Duration BACKDATE = Duration.ofMinutes(1);

    private final AuthorityStore store;
    private final BundleHub hub;
    private final AuditLog audit;
    private final UpstreamFiles upstream;
    private final TrustDomain home;
    private final Clock clock;
    private final RotationPolicy policy;
    private final RotationSchedule schedule;
    private final AuthorityMinter minter = new AuthorityMinter();
    private final CrlBuilder crls;
    private final Map<TrustDomain, Snapshot> snapshots = new ConcurrentHashMap<>();
    /** The signing view of each snapshot, derived once and valid only for the snapshot it came from. */
    private final Map<TrustDomain, Signing> signers = new ConcurrentHashMap<>();

    private record Signing(Snapshot source, SigningAuthority authority) {
    }
    /** Who the audit trail names for a change: the schedule, or the admin who forced it. */
    private final ThreadLocal<String> rotationActor = ThreadLocal.withInitial(() -> "cert-authority (schedule)");

    /** The authorities of one trust domain as last read or written. */
    private record Snapshot(List<Authority> authorities, long sequence, Instant at, List<AuditEvent> changes,
            Optional<UpstreamAuthority> upstream, List<X509CRL> crls) {
        Snapshot withCrls(List<X509CRL> next) {
            return new Snapshot(authorities, sequence, at, changes, upstream, List.copyOf(next));
        }
    }

    private final CaConfig config;
    private final AuthorityKeys keys;

    AuthorityManager(AuthorityStore store, AuthorityKeys keys, BundleHub hub, AuditLog audit, Clock clock,
            RotationPolicy policy, UpstreamFiles upstream, MeshidConfig meshid, IssuanceJournal journal, CaConfig config) {
        this.config = config;
        this.keys = keys;
        this.crls = new CrlBuilder(journal);
        this.upstream = upstream;
        this.home = meshid.getTrustDomain();
        this.store = store;
        this.hub = hub;
        this.audit = audit;
        this.clock = clock;
        this.policy = policy;
        this.schedule = new RotationSchedule(policy);
    }

    /** Makes sure {@code domain} has a root and an intermediate, creating them if needed. */
    public void ensure(TrustDomain domain) {
        if (!snapshots.containsKey(domain)) {
            tick(domain);
        }
    }

    /**
     * Makes this CA serve {@code domain}: creates its root and intermediate (committed and audited
     * in {@code actor}'s name) unless it has them, in this replica or in the database.
     *
     * @return true when this call created them
     */
    public synchronized boolean serve(TrustDomain domain, String actor) {
        if (snapshots.containsKey(domain)) {
            return false;
        }
        boolean known = store.trustDomains().contains(domain);
        rotationActor.set(actor + " (new trust domain)");
        try {
            tick(domain);
        } finally {
            rotationActor.remove();
        }
        return !known;
    }

    /**
     * Whether this CA serves {@code domain}: known to this replica, or created by another one in
     * the shared database (then loaded now, without waiting for the next rotation check).
     */
    public boolean serves(TrustDomain domain) {
        if (snapshots.containsKey(domain)) {
            return true;
        }
        if (!store.known(domain)) {
            return false;
        }
        tick(domain);
        return true;
    }

    /** The trust domains this CA serves. */
    public List<TrustDomain> trustDomains() {
        return List.copyOf(snapshots.keySet());
    }

    /** The intermediate that signs leaves of {@code domain} now. */
    public SigningAuthority signer(TrustDomain domain) {
        Snapshot s = snapshots.get(domain);
        Signing cached = signers.get(domain);
        if (cached != null && cached.source() == s) {
            return cached.authority();
        }
        if (s == null) {
            throw new MeshidException.InvalidArgument("trust domain " + domain + ": not served by this CA (expected: one of "
                    + snapshots.keySet() + ")");
        }
        Authority active = RotationSchedule.find(s.authorities(), Level.INTERMEDIATE, State.ACTIVE)
                .orElseThrow(() -> new MeshidException.FailedPrecondition("trust domain " + domain + " has no active intermediate"));
        List<X509Certificate> chain = new ArrayList<>(List.of(active.certificate()));
        s.upstream().ifPresent(up -> {
            if (active.parentId().equals(Optional.of(rootIdOf(s, up)))) {
                chain.add(up.certificate());
                chain.addAll(up.chainAbove());
            }
        });
        SigningAuthority signing = SigningAuthority.of(active.id(), chain, active.signer());
        signers.put(domain, new Signing(s, signing));
        return signing;
    }

    private static String rootIdOf(Snapshot s, UpstreamAuthority up) {
        return s.authorities().stream().filter(up::is).map(Authority::id).findFirst().orElse("");
    }

    /** The authorities of {@code domain} that are not retired, oldest first. */
    public List<Authority> authorities(TrustDomain domain) {
        Snapshot s = snapshots.get(domain);
        return s == null ? List.of() : s.authorities();
    }

    /** The current bundle of {@code domain}. */
    public TrustBundle bundle(TrustDomain domain) {
        Snapshot s = snapshots.get(domain);
        if (s == null) {
            throw new MeshidException.NotFound("trust domain " + domain + ": not served by this CA");
        }
        return toBundle(domain, s);
    }

    /** Applies every scheduled transition due now; publishes a new bundle when one happened. */
    public synchronized void tick(TrustDomain domain) {
        Instant now = clock.instant();
        Optional<UpstreamAuthority> up = domain.equals(home) ? upstream.current(now) : Optional.empty();
        Snapshot after = store.inTransaction(domain, now, up, tx -> {
            List<Authority> before = tx.load();
            List<Authority> next = before.isEmpty() ? bootstrap(domain, now, up)
                    : schedule.advance(adopt(before, up, now), now, minter(domain, now), up.isEmpty());
            return persist(tx, before, next, now, up);
        });
        install(domain, after);
    }

    /** Takes a changed upstream CA as the active root; the old one stays until its intermediates retire. */
    private List<Authority> adopt(List<Authority> authorities, Optional<UpstreamAuthority> up, Instant now) {
        if (up.isEmpty() || authorities.stream().anyMatch(a -> up.get().is(a) && a.state() == State.ACTIVE)) {
            return authorities;
        }
        List<Authority> next = new ArrayList<>();
        for (Authority a : authorities) {
            next.add(a.level() == Level.ROOT && a.state() == State.ACTIVE ? schedule.stopSigning(a, now) : a);
        }
        next.add(active(imported(up.get()), now));
        LOG.info("adopted a new upstream CA for {}; intermediates signed by it from the next rotation", home);
        return next;
    }

    private Authority imported(UpstreamAuthority up) {
        return new Authority(minter.idOf(up.certificate().getPublicKey()), home, Level.ROOT, Optional.empty(), State.PREPARED,
                up.certificate(), up.signer(), Optional.empty(), Optional.empty());
    }

    /**
     * Rotates {@code level} now (a suspected compromise): a new authority signs from this moment,
     * the old one stops signing and stays in the bundle only until what it signed has expired.
     * Rotating the root also makes a new intermediate under the new root.
     *
     * @return the authorities activated and those that stopped signing
     */
    public synchronized Rotation rotateNow(TrustDomain domain, Level level, String reason, String actor) {
        ensure(domain);
        rotationActor.set(actor + " (forced: " + reason + ")");
        try {
            return forceRotation(domain, level, reason);
        } finally {
            rotationActor.remove();
        }
    }

    private Rotation forceRotation(TrustDomain domain, Level level, String reason) {
        Optional<UpstreamAuthority> up = domain.equals(home) ? upstream.current(clock.instant()) : Optional.empty();
        if (level == Level.ROOT && up.isPresent()) {
            throw new MeshidException.FailedPrecondition("the root of " + domain + " is the upstream CA "
                    + up.get().certificate().getSubjectX500Principal() + " (expected: rotate it in the upstream PKI and replace "
                    + "the meshid.ca.upstream-* files; or rotate the INTERMEDIATE here)");
        }
        Instant now = clock.instant();
        List<Authority> activated = new ArrayList<>();
        List<Authority> stopped = new ArrayList<>();
        Snapshot after = store.inTransaction(domain, now, up, tx -> {
            List<Authority> before = tx.load();
            List<Authority> next = new ArrayList<>();
            for (Authority a : before) {
                boolean hit = a.level() == level || level == Level.ROOT;
                if (hit && a.state() == State.ACTIVE) {
                    Authority s = schedule.stopSigning(a, now);
                    stopped.add(s);
                    next.add(s);
                } else if (hit && a.state() == State.PREPARED) {
                    next.add(a.withState(State.RETIRED, Optional.empty(), Optional.of(now)));
                } else {
                    next.add(a);
                }
            }
            Optional<Authority> root = RotationSchedule.find(next, Level.ROOT, State.ACTIVE);
            if (level == Level.ROOT) {
                Authority newRoot = active(mint(domain, Level.ROOT, Optional.empty(), now), now);
                next.add(newRoot);
                activated.add(newRoot);
                root = Optional.of(newRoot);
            }
            Authority newIntermediate = active(mint(domain, Level.INTERMEDIATE, root, now), now);
            next.add(newIntermediate);
            activated.add(newIntermediate);
            return persist(tx, before, next, now, up);
        });
        install(domain, after);
        LOG.warn("forced rotation of the {} of {} ({}): {} now signing, {} stopped signing", level, domain, reason,
                activated.stream().map(Authority::id).toList(), stopped.stream().map(Authority::id).toList());
        return new Rotation(List.copyOf(activated), List.copyOf(stopped), bundle(domain), Optional.empty());
    }

    /**
     * Responds to a key compromise: a new root and a new intermediate sign from now on (both in
     * the bundle at once), and every older authority of {@code domain} stops signing and leaves
     * the bundle at {@code now + cutoff} (at once for zero), so that every leaf they signed is
     * refused from then on by every holder of the bundle. The window lets live SVIDs renew from
     * the new authorities first. The deadline is stored with each old authority, so the scheduled
     * check (on any replica, after a restart too) removes them on time.
     *
     * @throws MeshidException.FailedPrecondition under an upstream CA, whose roots meshid cannot
     *     take out of the bundle
     */
    public synchronized Rotation rotateCompromised(TrustDomain domain, String reason, String actor, Duration cutoff) {
        ensure(domain);
        Optional<UpstreamAuthority> up = domain.equals(home) ? upstream.current(clock.instant()) : Optional.empty();
        if (up.isPresent()) {
            throw new MeshidException.FailedPrecondition("the root of " + domain + " is the upstream CA "
                    + up.get().certificate().getSubjectX500Principal() + ": its roots stay in the bundle, so meshid cannot cut "
                    + "off a compromised intermediate (expected: revoke it in the upstream PKI, or have it issue a new CA "
                    + "certificate under new roots and replace the meshid.ca.upstream-* files)");
        }
        rotationActor.set(actor + " (compromise: " + reason + ")");
        try {
            Instant now = clock.instant();
            Instant cutoffAt = now.plus(cutoff);
            List<Authority> activated = new ArrayList<>();
            List<Authority> stopped = new ArrayList<>();
            Snapshot after = store.inTransaction(domain, now, up, tx -> {
                List<Authority> before = tx.load();
                List<Authority> next = new ArrayList<>();
                for (Authority a : before) {
                    Instant retire = a.retireAfter().filter(t -> t.isBefore(cutoffAt)).orElse(cutoffAt);
                    Authority cut = a.state() == State.PREPARED || cutoff.isZero()
                            ? a.withState(State.RETIRED, a.activatedAt(), Optional.of(now))
                            : a.withState(State.PUBLISHED, a.activatedAt(), Optional.of(retire));
                    if (a.state() == State.ACTIVE) {
                        stopped.add(cut);
                    }
                    next.add(cut);
                }
                Authority root = active(mint(domain, Level.ROOT, Optional.empty(), now), now);
                Authority intermediate = active(mint(domain, Level.INTERMEDIATE, Optional.of(root), now), now);
                next.add(root);
                next.add(intermediate);
                activated.add(root);
                activated.add(intermediate);
                return persist(tx, before, next, now, up);
            });
            install(domain, after);
            LOG.warn("compromise response for {} ({}): {} now signing; {} leave the bundle at {}", domain, reason,
                    activated.stream().map(Authority::id).toList(), stopped.stream().map(Authority::id).toList(), cutoffAt);
            return new Rotation(List.copyOf(activated), List.copyOf(stopped), bundle(domain), Optional.of(cutoffAt));
        } finally {
            rotationActor.remove();
        }
    }

    /** What a forced rotation did; {@code cutoffAt} is when the old authorities leave the bundle after a compromise. */
    public record Rotation(List<Authority> activated, List<Authority> stopped, TrustBundle bundle, Optional<Instant> cutoffAt) {
    }

    /**
     * Publishes a new bundle of {@code domain} after a revocation: the sequence number grows (in the
     * database, so other replicas follow at their next check) and the bundle carries the CRLs
     * rebuilt from the journal; every watcher gets it.
     */
    public synchronized TrustBundle revocationsChanged(TrustDomain domain) {
        Instant now = clock.instant();
        Optional<UpstreamAuthority> up = domain.equals(home) ? upstream.current(now) : Optional.empty();
        Snapshot after = store.inTransaction(domain, now, up, tx -> {
            List<Authority> live = tx.load().stream().filter(a -> a.state() != State.RETIRED).toList();
            return new Snapshot(live, tx.bumpSequence(now), now, List.of(), up, List.of());
        });
        install(domain, after);
        return bundle(domain);
    }

    /** Re-reads every served trust domain from the database and applies due transitions. */
    public void tickAll() {
        for (TrustDomain domain : trustDomainsKnown()) {
            try {
                tick(domain);
            } catch (RuntimeException e) {
                LOG.error("rotation check of {} failed; will retry", domain, e);
            }
        }
    }

    private List<TrustDomain> trustDomainsKnown() {
        List<TrustDomain> all = new ArrayList<>(store.trustDomains());
        snapshots.keySet().stream().filter(d -> !all.contains(d)).forEach(all::add);
        return all;
    }

    private List<Authority> bootstrap(TrustDomain domain, Instant now, Optional<UpstreamAuthority> up) {
        Authority root = active(up.map(this::imported).orElseGet(() -> mint(domain, Level.ROOT, Optional.empty(), now)), now);
        Authority intermediate = active(mint(domain, Level.INTERMEDIATE, Optional.of(root), now), now);
        LOG.info("created the authorities of {}: root {}, intermediate {}", domain, root.id(), intermediate.id());
        return List.of(root, intermediate);
    }

    private RotationSchedule.Mint minter(TrustDomain domain, Instant now) {
        return (level, parent) -> {
            Authority a = mint(domain, level, parent, now);
            LOG.info("prepared a new {} of {}: {} (in the bundle from now, signing later)", level, domain, a.id());
            return a;
        };
    }

    private Authority mint(TrustDomain domain, Level level, Optional<Authority> parent, Instant now) {
        Signer key = keys.generate(policy.keyAlgorithm());
        Instant notBefore = now.minus(BACKDATE);
        Instant notAfter = now.plus(policy.ttl(level));
        if (parent.isPresent() && parent.get().notAfter().isBefore(notAfter)) {
            notAfter = parent.get().notAfter();
        }
        var certificate = level == Level.ROOT
                ? minter.root(domain, key, notBefore, notAfter)
                : minter.intermediate(domain, key, parent.orElseThrow(), notBefore, notAfter, config.allowedDnsSuffixes(domain));
        return new Authority(minter.idOf(key.publicKey()), domain, level, parent.map(Authority::id), State.PREPARED,
                certificate, key, Optional.empty(), Optional.empty());
    }

    private static Authority active(Authority a, Instant now) {
        return a.withState(State.ACTIVE, Optional.of(now), Optional.empty());
    }

    private Snapshot persist(AuthorityStore.Tx tx, List<Authority> before, List<Authority> after, Instant now,
            Optional<UpstreamAuthority> up) throws SQLException {
        boolean changed = false;
        List<AuditEvent> changes = new ArrayList<>();
        for (Authority a : after) {
            Optional<Authority> old = before.stream().filter(b -> b.id().equals(a.id())).findFirst();
            if (old.isEmpty()) {
                tx.insert(a);
                changed = true;
                changes.add(auditEvent(a, "created " + a.state(), now));
            } else if (!old.get().equals(a)) {
                tx.update(a);
                changed = true;
                changes.add(auditEvent(a, old.get().state() + " -> " + a.state(), now));
            }
        }
        long sequence = changed ? tx.bumpSequence(now) : tx.sequence();
        List<Authority> live = after.stream().filter(a -> a.state() != State.RETIRED).toList();
        return new Snapshot(live, sequence, now, changes, up, List.of());
    }

    private AuditEvent auditEvent(Authority a, String change, Instant now) {
        return AuditEvent.of(now, a.trustDomain().name(), rotationActor.get(), "ca.authority." + a.level().name().toLowerCase(java.util.Locale.ROOT),
                a.id(), AuditEvent.Outcome.SUCCESS, change + (a.retireAfter().map(t -> ", retire after " + t).orElse("")),
                RequestIds.current());
    }

    /** Makes a committed change visible: snapshot, audit trail, then the bundle watchers. */
    private void install(TrustDomain domain, Snapshot built) {
        // The journal is read for CRLs only when the bundle changed (here or on another replica), not on every check.
        Snapshot held = snapshots.get(domain);
        Snapshot next = built.withCrls(held != null && held.sequence() == built.sequence() ? held.crls()
                : crls.crls(domain, built.authorities(), clock.instant()));
        next.changes().forEach(audit::record);
        Snapshot previous = snapshots.put(domain, next);
        if (previous == null || previous.sequence() != next.sequence()) {
            hub.publish(toBundle(domain, next));
        }
    }

    private static TrustBundle toBundle(TrustDomain domain, Snapshot s) {
        List<X509Certificate> anchors = new ArrayList<>();
        s.upstream().ifPresent(up -> anchors.addAll(up.roots()));
        s.authorities().stream().map(Authority::certificate).filter(c -> !anchors.contains(c)).forEach(anchors::add);
        return new TrustBundle(domain, anchors, s.sequence(), s.at(), s.crls());
    }
}
