package io.meshid.identity.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import io.meshid.common.audit.AuditEvent;
import io.meshid.common.audit.AuditLog;
import io.meshid.common.keys.CryptoProvider;
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
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns each trust domain's JWT signing keys: creates them on first use, rotates them on the
 * schedule of {@link JwtKeySchedule} (prepare and publish, activate, retire), and serves the
 * active signer, the verification keys and the JWKS from an in-memory snapshot. Changes go
 * through the database under a per-trust-domain row lock, so replicas agree on the keys; each
 * replica re-reads every trust domain every 30 s and at once when a transition is due, so a key
 * another replica prepared is in every replica's JWKS long before it signs. Thread-safe.
 */
@Singleton
public final class JwtKeyManager {

    private static final Logger LOG = LoggerFactory.getLogger(JwtKeyManager.class);

    /** An unknown {@code kid} re-reads the database at most this often per trust domain. */
    private static final Duration MISS_RELOAD = Duration.ofSeconds(5);

    private final JwtKeyStore store;
    private final AuditLog audit;
    private final Clock clock;
    private final JwtKeyPolicy policy;
    private final JwtKeySchedule schedule;
    private final Map<TrustDomain, Snapshot> snapshots = new ConcurrentHashMap<>();

    /** The key that signs new tokens of a trust domain now, and until when its tokens may live. */
    record SigningKey(String kid, TrustDomain trustDomain, JWSSigner signer, Instant notAfter) {
    }

    /**
     * A published key that verifies tokens of a trust domain.
     *
     * @param notAfter no token this key signed is valid after this instant
     */
    public record VerificationKey(String kid, TrustDomain trustDomain, ECDSAVerifier verifier, Instant notAfter) {
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
            s = reload(domain, now);
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

    private synchronized Snapshot reload(TrustDomain domain, Instant now) {
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
                k.notAfter()));
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

    private static JWSSigner signer(JwtKey k) {
        return new Es256Signer(k.privateKey(), CryptoProvider.get());
    }

    private static ECDSAVerifier verifier(JwtKey k) {
        try {
            // Conscrypt's own key object, so that it is not converted on every verification.
            ECPublicKey key = (ECPublicKey) KeyFactory.getInstance("EC", CryptoProvider.get())
                    .generatePublic(new X509EncodedKeySpec(k.publicJwk().toECPublicKey().getEncoded()));
            ECDSAVerifier verifier = new ECDSAVerifier(key);
            verifier.getJCAContext().setProvider(CryptoProvider.get());
            return verifier;
        } catch (JOSEException | GeneralSecurityException e) {
            throw new IllegalStateException("JWT key " + k.kid() + " cannot verify", e);
        }
    }
}
