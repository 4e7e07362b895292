package io.meshid.identity.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import io.meshid.common.audit.AuditEvent;
import io.meshid.common.audit.AuditLog;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.meshid.common.keys.CryptoProvider;
import io.meshid.common.server.InlineCalls;
import io.meshid.common.server.RequestIds;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.identity.jwt.JwtKey.State;
import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.inject.Singleton;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns each trust domain's JWT signing keys: creates them on first use, rotates them on the
 * schedule of {@link JwtKeySchedule} (prepare and publish, activate, retire), and serves the
 * active signer, the verification keys and the JWKS from an in-memory snapshot. Changes go
 * through the database under a per-trust-domain row lock, so replicas agree on the keys; each
 * replica re-reads every trust domain every 30 s and at once when a transition is due, so a key
 * another replica prepared is in every replica's JWKS long before it signs.
 *
 * <p>A token with a {@code kid} or an {@code iss} that is not in memory cannot make it read the
 * database per call: the list of trust domains that have keys is re-read at most once per
 * {@value #MISS_RELOAD_SECONDS} s, a trust domain missing from it is answered "no key" from
 * memory, and each listed trust domain's keys are re-read at most once per
 * {@value #MISS_RELOAD_SECONDS} s ({@link #storeReads()} counts the reads). On the event loop
 * ({@link InlineCalls#runningInline()}) those re-reads, and a due rotation before signing, run in
 * the background while the call is answered from memory. Thread-safe.
 */
@Singleton
public final class JwtKeyManager {

    private static final Logger LOG = LoggerFactory.getLogger(JwtKeyManager.class);

    static final long MISS_RELOAD_SECONDS = 5;
    /** An unknown {@code kid} or trust domain re-reads the database at most this often per trust domain. */
    private static final Duration MISS_RELOAD = Duration.ofSeconds(MISS_RELOAD_SECONDS);
    /** Bound of the per-trust-domain reload throttle; only trust domains that have keys enter it. */
    private static final int MAX_THROTTLED_DOMAINS = 10_000;

    private final JwtKeyStore store;
    private final AuditLog audit;
    private final Clock clock;
    private final JwtKeyPolicy policy;
    private final JwtKeySchedule schedule;
    private final Map<TrustDomain, Snapshot> snapshots = new ConcurrentHashMap<>();
    /** Trust domains whose keys were re-read within the last {@link #MISS_RELOAD} because of a miss. */
    private final Cache<TrustDomain, Boolean> recentMissReloads;
    private volatile KnownDomains known = new KnownDomains(Set.of(), Instant.MIN);
    private final AtomicBoolean listing = new AtomicBoolean();
    private final AtomicBoolean ticking = new AtomicBoolean();
    private final AtomicLong storeReads = new AtomicLong();

    /** The trust domains that have keys in the store, as read at {@code readAt}. */
    private record KnownDomains(Set<TrustDomain> domains, Instant readAt) {
    }

    /** The key that signs new tokens of a trust domain now, and until when its tokens may live. */
    record SigningKey(String kid, TrustDomain trustDomain, Es256Signer signer, ProtectedHeaders headers, Instant notAfter) {
    }

    /**
     * A published key that verifies tokens of a trust domain.
     *
     * @param notAfter no token this key signed is valid after this instant
     */
    public record VerificationKey(String kid, TrustDomain trustDomain, Es256Verifier verifier, Instant notAfter) {
    }

    private record Snapshot(Optional<SigningKey> signing, Map<String, VerificationKey> verifiers, Jwks jwks,
            Instant loadedAt, Instant nextChange) {
    }

    JwtKeyManager(JwtKeyStore store, AuditLog audit, Clock clock, JwtKeyPolicy policy) {
        this.store = store;
        this.audit = audit;
        this.clock = clock;
        this.policy = policy;
        this.schedule = new JwtKeySchedule(policy);
        this.recentMissReloads = Caffeine.newBuilder().maximumSize(MAX_THROTTLED_DOMAINS).expireAfterWrite(MISS_RELOAD)
                .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis())).build();
    }

    /** How many times keys or the list of trust domains were read from the store because of a miss (metrics, tests). */
    public long storeReads() {
        return storeReads.get();
    }

    /** The rotation numbers in force. */
    public JwtKeyPolicy policy() {
        return policy;
    }

    /** Makes sure {@code domain} has an active key, creating one if needed. */
    public void ensure(TrustDomain domain) {
        Snapshot s = snapshots.get(domain);
        if (s == null || s.signing().isEmpty()) {
            tick(domain);
        }
    }

    /** The key that signs {@code domain}'s tokens now; creates the domain's keys on first use. */
    /** Whether {@link #signingKey} would answer for {@code domain} now from memory, without reading the store. */
    public boolean signingKeyInMemory(TrustDomain domain) {
        Snapshot s = snapshots.get(domain);
        return s != null && s.signing().isPresent() && clock.instant().isBefore(s.nextChange());
    }

    SigningKey signingKey(TrustDomain domain) {
        Snapshot s = snapshots.get(domain);
        if (s != null && s.signing().isPresent() && InlineCalls.runningInline() && !clock.instant().isBefore(s.nextChange())
                && clock.instant().isBefore(s.signing().get().notAfter())) {
            // A transition is due, but the event loop must not wait for it: the active key is still
            // published and valid; the transition runs in the background.
            tickInBackground(domain);
            return s.signing().get();
        }
        if (s == null || s.signing().isEmpty() || !clock.instant().isBefore(s.nextChange())) {
            synchronized (this) {
                s = snapshots.get(domain);
                if (s == null || s.signing().isEmpty() || !clock.instant().isBefore(s.nextChange())) {
                    tick(domain);
                    s = snapshots.get(domain);
                }
            }
        }
        return s.signing().orElseThrow(() -> new IllegalStateException("trust domain " + domain + " has no active JWT key"));
    }

    /**
     * The published key {@code kid} of {@code domain}, if it is in the domain's JWKS now. Never
     * creates keys: a trust domain that has none has no verification keys.
     */
    public Optional<VerificationKey> verificationKey(TrustDomain domain, String kid) {
        Snapshot s = snapshots.get(domain);
        Instant now = clock.instant();
        if (s == null || !s.verifiers().containsKey(kid) && !now.isBefore(s.loadedAt().plus(MISS_RELOAD))) {
            s = afterMiss(domain, s, now);
        }
        if (s == null) {
            return Optional.empty();
        }
        VerificationKey key = s.verifiers().get(kid);
        return key != null && now.isBefore(key.notAfter().plus(JwtKeyPolicy.CLOCK_SKEW)) ? Optional.of(key) : Optional.empty();
    }

    /** The JWKS of {@code domain}; creates the domain's keys on first use. */
    public Jwks jwks(TrustDomain domain) {
        ensure(domain);
        return snapshots.get(domain).jwks();
    }

    /** Applies every transition due now, under the trust domain's lock, and installs the result. */
    public synchronized void tick(TrustDomain domain) {
        Instant now = clock.instant();
        List<AuditEvent> changes = new ArrayList<>();
        List<JwtKey> live = store.inTransaction(domain, now, tx -> {
            List<JwtKey> before = tx.load();
            List<JwtKey> after = schedule.advance(before, now, () -> mint(domain, now));
            persist(tx, before, after, now, changes);
            return after.stream().filter(k -> k.state() != State.RETIRED).toList();
        });
        changes.forEach(audit::record);
        install(domain, live, now);
    }

    /** Re-reads every trust domain that has keys and applies due transitions; every 30 s. */
    @Scheduled(fixedDelay = "30s", initialDelay = "30s")
    public void tickAll() {
        List<TrustDomain> all = new ArrayList<>(store.trustDomains());
        snapshots.keySet().stream().filter(d -> !all.contains(d)).forEach(all::add);
        for (TrustDomain domain : all) {
            try {
                tick(domain);
            } catch (RuntimeException e) {
                LOG.error("JWT key rotation check of {} failed; will retry", domain, e);
            }
        }
    }

    /**
     * The snapshot to answer a miss from: re-read when the trust domain has keys in the store and
     * was not re-read within {@link #MISS_RELOAD}; on the event loop the re-read runs in the
     * background and the answer comes from memory.
     */
    private Snapshot afterMiss(TrustDomain domain, Snapshot current, Instant now) {
        boolean inline = InlineCalls.runningInline();
        if (current == null && !listedWithKeys(domain, now, inline)) {
            return null;
        }
        if (recentMissReloads.asMap().putIfAbsent(domain, Boolean.TRUE) != null) {
            return current;
        }
        if (inline) {
            Thread.ofVirtual().name("jwt-key-reload").start(() -> {
                try {
                    reload(domain, clock.instant());
                } catch (RuntimeException e) {
                    LOG.warn("re-reading the JWT keys of {} failed: {}", domain, e.toString());
                }
            });
            return current;
        }
        return reload(domain, now);
    }

    /** Whether {@code domain} is in the list of trust domains with keys, re-read at most once per {@link #MISS_RELOAD}. */
    private boolean listedWithKeys(TrustDomain domain, Instant now, boolean inline) {
        KnownDomains k = known;
        if (k.domains().contains(domain) || now.isBefore(k.readAt().plus(MISS_RELOAD)) || !listing.compareAndSet(false, true)) {
            return k.domains().contains(domain);
        }
        Runnable read = () -> {
            try {
                storeReads.incrementAndGet();
                known = new KnownDomains(Set.copyOf(store.trustDomains()), clock.instant());
            } finally {
                listing.set(false);
            }
        };
        if (inline) {
            known = new KnownDomains(k.domains(), now);
            Thread.ofVirtual().name("jwt-domain-list").start(() -> {
                try {
                    read.run();
                } catch (RuntimeException e) {
                    LOG.warn("reading the trust domains with JWT keys failed: {}", e.toString());
                }
            });
            return false;
        }
        try {
            read.run();
        } catch (RuntimeException e) {
            // Unknown stays unknown until the next read; do not retry per call.
            known = new KnownDomains(k.domains(), now);
            throw e;
        }
        return known.domains().contains(domain);
    }

    private void tickInBackground(TrustDomain domain) {
        if (ticking.compareAndSet(false, true)) {
            Thread.ofVirtual().name("jwt-key-tick").start(() -> {
                try {
                    tick(domain);
                } catch (RuntimeException e) {
                    LOG.error("JWT key rotation of {} failed; will retry", domain, e);
                } finally {
                    ticking.set(false);
                }
            });
        }
    }

    private synchronized Snapshot reload(TrustDomain domain, Instant now) {
        storeReads.incrementAndGet();
        List<JwtKey> keys = store.read(domain);
        if (keys.isEmpty()) {
            return snapshots.get(domain);
        }
        if (JwtKeySchedule.find(keys, State.ACTIVE).isEmpty() || !now.isBefore(schedule.nextChange(keys, now))) {
            tick(domain);
            return snapshots.get(domain);
        }
        return install(domain, keys, now);
    }

    private JwtKey mint(TrustDomain domain, Instant now) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC", CryptoProvider.get());
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair pair = generator.generateKeyPair();
            ECKey jwk = new ECKey.Builder(Curve.P_256, (ECPublicKey) pair.getPublic()).keyUse(KeyUse.SIGNATURE)
                    .algorithm(JWSAlgorithm.ES256).keyIDFromThumbprint().build();
            JwtKey key = new JwtKey(jwk.getKeyID(), domain, State.PREPARED, jwk, (ECPrivateKey) pair.getPrivate(), now,
                    schedule.notAfterOf(now), Optional.empty(), Optional.empty());
            LOG.info("made JWT key {} of {} (in the JWKS from now, valid until {})", key.kid(), domain, key.notAfter());
            return key;
        } catch (GeneralSecurityException | JOSEException e) {
            throw new IllegalStateException("cannot make an ES256 key through " + CryptoProvider.name(), e);
        }
    }

    private static void persist(JwtKeyStore.Tx tx, List<JwtKey> before, List<JwtKey> after, Instant now, List<AuditEvent> changes)
            throws SQLException {
        Map<String, JwtKey> old = new HashMap<>();
        before.forEach(k -> old.put(k.kid(), k));
        for (JwtKey k : after) {
            JwtKey was = old.get(k.kid());
            if (was == null) {
                tx.insert(k);
                changes.add(event(k, "created " + k.state() + ", valid until " + k.notAfter(), now));
            } else if (!was.equals(k)) {
                tx.update(k);
                changes.add(event(k, was.state() + " -> " + k.state(), now));
            }
        }
    }

    private static AuditEvent event(JwtKey k, String change, Instant now) {
        return AuditEvent.of(now, k.trustDomain().name(), "identity-server (schedule)", "identity.jwt_key", k.kid(),
                AuditEvent.Outcome.SUCCESS, change, RequestIds.current());
    }

    private Snapshot install(TrustDomain domain, List<JwtKey> keys, Instant now) {
        Optional<SigningKey> signing = JwtKeySchedule.find(keys, State.ACTIVE).map(k -> new SigningKey(k.kid(), domain, signer(k),
                new ProtectedHeaders(k.kid()), k.notAfter()));
        Map<String, VerificationKey> verifiers = new HashMap<>();
        Snapshot previous = snapshots.get(domain);
        List<JWK> published = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (JwtKey k : keys) {
            if (!k.published(now)) {
                continue;
            }
            VerificationKey known = previous == null ? null : previous.verifiers().get(k.kid());
            verifiers.put(k.kid(), known != null ? known : new VerificationKey(k.kid(), domain, verifier(k), k.notAfter()));
            published.add(k.publicJwk().toPublicJWK());
            ids.add(k.kid());
        }
        Jwks jwks = new Jwks(domain, new JWKSet(published).toString(true), ids, signing.map(SigningKey::kid).orElse(""),
                policy.refreshHint());
        Instant nextChange = schedule.nextChange(keys, now);
        Snapshot next = new Snapshot(signing.map(s -> reuse(previous, s)), Map.copyOf(verifiers), jwks, now,
                nextChange.isAfter(now) ? nextChange : now.plusSeconds(1));
        snapshots.put(domain, next);
        return next;
    }

    private static SigningKey reuse(Snapshot previous, SigningKey fresh) {
        return previous != null && previous.signing().isPresent() && previous.signing().get().kid().equals(fresh.kid())
                ? previous.signing().get() : fresh;
    }

    private static Es256Signer signer(JwtKey k) {
        return new Es256Signer(k.privateKey(), CryptoProvider.get());
    }

    private static Es256Verifier verifier(JwtKey k) {
        try {
            // Conscrypt's own key object, so that it is not converted on every verification.
            ECPublicKey key = (ECPublicKey) KeyFactory.getInstance("EC", CryptoProvider.get())
                    .generatePublic(new X509EncodedKeySpec(k.publicJwk().toECPublicKey().getEncoded()));
            return new Es256Verifier(key, CryptoProvider.get());
        } catch (JOSEException | GeneralSecurityException e) {
            throw new IllegalStateException("JWT key " + k.kid() + " cannot verify", e);
        }
    }
}
