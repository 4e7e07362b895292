package io.meshid.identity.registry;

import io.meshid.common.errors.MeshidException;
import io.meshid.common.errors.MeshidException.InvalidArgument;
import io.meshid.common.server.MeshidConfig;
import io.meshid.common.spiffe.DnsNames;
import io.meshid.common.spiffe.ReservedIdentities;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.identity.IdentityConfig;
import io.meshid.common.store.SharedStore;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry's rules over its store: bounds on every field (messages name the field, the
 * value and what was expected), one entry per SPIFFE ID and selector set, at most
 * {@value #MAX_ENTRIES} entries per trust domain and {@value #MAX_UNUSED_TOKENS} unused join
 * tokens per entry, no entry for a reserved identity ({@link ReservedIdentities}: {@code /meshid/*},
 * admin and reserved paths), join tokens of 256 random bits of which only the SHA-256 is stored.
 * {@link #entryFor} answers from an {@link EntryCache} (1 s), which every replica clears when any
 * replica announces a change on {@value #CHANGES_CHANNEL} of the shared store. Thread-safe.
 */
@Singleton
final class DefaultRegistry implements Registry {

    static final int MAX_ENTRIES = 100_000;
    static final int MAX_UNUSED_TOKENS = 1_000;
    private static final int MAX_SELECTORS = 16;
    private static final int MAX_DNS_NAMES = 16;
    static final Duration MIN_TTL = Duration.ofMinutes(1);
    private static final Duration MAX_X509_TTL = Duration.ofHours(24);
    static final Duration MAX_JWT_TTL = Duration.ofHours(1);
    private static final Duration DEFAULT_X509_TTL = Duration.ofHours(1);
    /** The contract's bound (CreateJoinTokenRequest.ttl: 1 min to 24 h); meshid.identity.join-token-ttl has the same. */
    static final Duration MAX_JOIN_TOKEN_TTL = Duration.ofHours(24);

    /** The shared store channel on which a replica announces that it changed the registry (message: the trust domain). */
    static final String CHANGES_CHANNEL = "meshid:registry:changed";
    private static final Logger LOG = LoggerFactory.getLogger(DefaultRegistry.class);

    private final RegistryStore store;
    private final SharedStore shared;
    private final SharedStore.Subscription changes;
    private final Clock clock;
    private final MeshidConfig meshid;
    private final IdentityConfig config;
    private final SecureRandom random = new SecureRandom();
    private final EntryCache entries;
    private final ReservedIdentities reserved;

    DefaultRegistry(RegistryStore store, Clock clock, MeshidConfig meshid, IdentityConfig config, SharedStore shared) {
        this.reserved = meshid.reservedIdentities(List.of());
        this.store = store;
        this.clock = clock;
        this.meshid = meshid;
        this.config = config;
        this.entries = new EntryCache(clock);
        this.shared = shared;
        // Also this replica's own announcements: harmless, its cache was cleared already.
        this.changes = shared.subscribe(CHANGES_CHANNEL, domain -> entries.clear());
    }

    @PreDestroy
    void close() {
        changes.close();
    }

    /** Clears this replica's cache and tells the others to clear theirs; they fall back on the cache's TTL if it fails. */
    private void changed(TrustDomain domain) {
        entries.clear();
        try {
            shared.publish(CHANGES_CHANNEL, domain.name());
        } catch (RuntimeException e) {
            LOG.warn("could not announce a registry change in {} on the shared store ({}); other replicas see it within {} s",
                    domain, e.toString(), EntryCache.TTL_SECONDS);
        }
    }

    /** The server's own trust domain always exists. */
    @PostConstruct
    void registerHomeTrustDomain() {
        store.ensureTrustDomain(meshid.getTrustDomain(), "the trust domain this server was started with", "identity-server",
                clock.instant());
    }

    @Override
    public boolean trustDomainExists(TrustDomain domain) {
        return store.trustDomainExists(domain);
    }

    @Override
    public RegistrationEntry createEntry(EntryParams p) {
        TrustDomain domain = p.spiffeId().trustDomain();
        if (p.spiffeId().path().isEmpty()) {
            throw new InvalidArgument("spiffe_id: " + p.spiffeId() + " has no path (expected: a workload ID such as "
                    + domain.idString() + "/ns/<namespace>/sa/<service-account>)");
        }
        reserved.refuse("spiffe_id", p.spiffeId());
        if (p.selectors().size() > MAX_SELECTORS) {
            throw new InvalidArgument("selectors: " + p.selectors().size() + " (expected: at most " + MAX_SELECTORS + ")");
        }
        if (new HashSet<>(p.selectors()).size() != p.selectors().size()) {
            throw new InvalidArgument("selectors: " + p.selectors() + " repeat a selector (expected: each at most once)");
        }
        KubernetesSelectors.check(p.selectors());
        DnsNames.check(p.dnsNames(), MAX_DNS_NAMES);
        Duration x509 = ttl("x509_svid_ttl", p.x509SvidTtl(), DEFAULT_X509_TTL, MAX_X509_TTL);
        Duration jwt = ttl("jwt_svid_ttl", p.jwtSvidTtl(), config.getJwtSvidTtl(), MAX_JWT_TTL);
        if (!store.trustDomainExists(domain)) {
            throw new MeshidException.NotFound("trust domain " + domain + ": not registered here (expected: create it first)");
        }
        if (store.countEntries(domain) >= MAX_ENTRIES) {
            throw new MeshidException.ResourceExhausted("trust domain " + domain + " has " + MAX_ENTRIES + " entries (expected: fewer; delete some)");
        }
        RegistrationEntry entry = new RegistrationEntry(UUID.randomUUID().toString(), p.spiffeId(), p.selectors(), x509, jwt,
                p.dnsNames(), p.admin(), clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS), p.createdBy());
        entries.clear();
        if (!store.insert(entry)) {
            throw new MeshidException.AlreadyExists("entry for " + p.spiffeId() + " with selectors " + entry.selectors()
                    + ": exists (expected: a new SPIFFE ID or selector set)");
        }
        changed(domain);
        return entry;
    }

    @Override
    public Optional<RegistrationEntry> entry(TrustDomain domain, String id) {
        return store.entry(domain, checkId(id));
    }

    @Override
    public Optional<TrustDomain> domainOfEntry(String id) {
        return store.domainOfEntry(checkId(id));
    }

    @Override
    public Page list(EntryQuery q) {
        int size = q.pageSize() == 0 ? 100 : q.pageSize();
        if (size < 0 || size > EntryQuery.MAX_PAGE_SIZE) {
            throw new InvalidArgument("page_size: " + q.pageSize() + " (expected: between 1 and " + EntryQuery.MAX_PAGE_SIZE
                    + ", or 0 for 100)");
        }
        if (!store.trustDomainExists(q.trustDomain())) {
            throw new MeshidException.NotFound("trust domain " + q.trustDomain() + ": not registered here");
        }
        Optional<String[]> after = q.pageToken().map(DefaultRegistry::decodeCursor);
        List<RegistrationEntry> rows = new ArrayList<>(store.list(q, after, size + 1));
        if (rows.size() <= size) {
            return new Page(rows, Optional.empty());
        }
        List<RegistrationEntry> page = rows.subList(0, size);
        RegistrationEntry last = page.get(size - 1);
        return new Page(List.copyOf(page), Optional.of(encodeCursor(last.spiffeId().toString(), last.id())));
    }

    @Override
    public TrustDomainPage trustDomains(Optional<TrustDomain> only, int pageSize, Optional<String> pageToken) {
        int size = pageSize == 0 ? 100 : pageSize;
        if (size < 0 || size > EntryQuery.MAX_PAGE_SIZE) {
            throw new InvalidArgument("page_size: " + pageSize + " (expected: between 1 and " + EntryQuery.MAX_PAGE_SIZE
                    + ", or 0 for 100)");
        }
        Optional<String> after = pageToken.map(DefaultRegistry::decodeTrustDomainCursor);
        List<TrustDomainRecord> rows = store.trustDomains(only, after, size + 1);
        if (rows.size() <= size) {
            return new TrustDomainPage(List.copyOf(rows), Optional.empty());
        }
        List<TrustDomainRecord> page = List.copyOf(rows.subList(0, size));
        return new TrustDomainPage(page, Optional.of(Base64.getUrlEncoder().withoutPadding()
                .encodeToString(("td\n" + page.get(size - 1).name().name()).getBytes(StandardCharsets.UTF_8))));
    }

    private static String decodeTrustDomainCursor(String token) {
        try {
            String[] parts = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8).split("\n", 2);
            if (parts.length != 2 || !parts[0].equals("td")) {
                throw new IllegalArgumentException();
            }
            return TrustDomain.of(parts[1]).name();
        } catch (IllegalArgumentException e) {
            throw new InvalidArgument("page_token: not a token this server issued (expected: the next_page_token of a "
                    + "previous ListTrustDomains reply)");
        }
    }

    @Override
    public boolean deleteEntry(TrustDomain domain, String id) {
        boolean deleted = store.delete(domain, checkId(id));
        changed(domain);
        return deleted;
    }

    @Override
    public Optional<RegistrationEntry> entryFor(SpiffeId id) {
        return entries.get(id, store::entryFor);
    }

    @Override
    public boolean entryInMemory(SpiffeId id) {
        return entries.isFresh(id);
    }

    @Override
    public List<RegistrationEntry> entriesMatching(TrustDomain domain, List<Selector> required, List<Selector> optional, int limit) {
        List<Selector> must = required.stream().distinct().toList();
        List<Selector> may = optional.stream().distinct().filter(s -> !must.contains(s)).toList();
        if (must.isEmpty() || must.size() + may.size() > 4) {
            throw new IllegalArgumentException("facts: " + must.size() + " required, " + may.size()
                    + " optional (expected: at least one required, 4 in all)");
        }
        List<String> keys = new ArrayList<>();
        for (int mask = 0; mask < (1 << may.size()); mask++) {
            List<Selector> subset = new ArrayList<>(must);
            for (int i = 0; i < may.size(); i++) {
                if ((mask & (1 << i)) != 0) {
                    subset.add(may.get(i));
                }
            }
            keys.add(RegistryStore.selectorKey(subset));
        }
        return store.withSelectorKeys(domain, keys, limit);
    }

    @Override
    public boolean createTrustDomain(TrustDomain domain, String description, String createdBy, Instant at) {
        return store.insertTrustDomain(domain, description, createdBy, at.truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
    }

    @Override
    public Optional<TrustDomainRecord> trustDomain(TrustDomain domain) {
        return store.trustDomain(domain);
    }

    @Override
    public JoinToken createJoinToken(TrustDomain domain, String entryId, Optional<Duration> ttl) {
        Duration life = ttl("ttl", ttl, config.getJoinTokenTtl(), MAX_JOIN_TOKEN_TTL);
        RegistrationEntry entry = store.entry(domain, checkId(entryId)).orElseThrow(() -> new MeshidException.NotFound(
                "entry " + entryId + ": not found in a trust domain you administer"));
        Instant now = clock.instant();
        if (store.unusedTokens(entry.id(), now) >= MAX_UNUSED_TOKENS) {
            throw new MeshidException.ResourceExhausted("entry " + entry.id() + " has " + MAX_UNUSED_TOKENS
                    + " unused join tokens (expected: fewer; let them expire or delete the entry)");
        }
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        Instant expiresAt = now.plus(life).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        store.insertToken(sha256(secret), entry.id(), expiresAt, now);
        return new JoinToken(secret, entry.id(), expiresAt);
    }

    @Override
    public Optional<RegistrationEntry> consumeJoinToken(String secret) {
        if (secret == null || secret.isEmpty() || secret.length() > 256) {
            return Optional.empty();
        }
        return store.consumeToken(sha256(secret), clock.instant()).flatMap(id -> store.domainOfEntry(id).flatMap(d -> store.entry(d, id)));
    }

    @Override
    public Optional<RegistrationEntry> unusedJoinToken(String secret) {
        if (secret == null || secret.isEmpty() || secret.length() > 256) {
            return Optional.empty();
        }
        return store.unusedTokenEntry(sha256(secret), clock.instant());
    }

    @Override
    public Optional<TokenEntry> unusedJoinToken(String secret, String keySha256) {
        if (secret == null || secret.isEmpty() || secret.length() > 256) {
            return Optional.empty();
        }
        return store.unusedTokenEntry(sha256(secret), keySha256, clock.instant());
    }

    private static Duration ttl(String field, Optional<Duration> asked, Duration fallback, Duration max) {
        Duration ttl = asked.orElse(fallback);
        if (ttl.compareTo(MIN_TTL) < 0 || ttl.compareTo(max) > 0) {
            throw new InvalidArgument(field + ": " + ttl + " (expected: between " + MIN_TTL + " and " + max + ", or unset for "
                    + fallback + ")");
        }
        return ttl;
    }


    private static String checkId(String id) {
        try {
            return UUID.fromString(id).toString();
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new InvalidArgument("id: '" + (id == null ? "" : id.length() > 40 ? id.substring(0, 40) + "…" : id)
                    + "' (expected: an entry id, a UUID)");
        }
    }

    static String sha256(String secret) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String encodeCursor(String spiffeId, String id) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString((spiffeId + "\n" + id).getBytes(StandardCharsets.UTF_8));
    }

    private static String[] decodeCursor(String token) {
        try {
            String[] parts = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8).split("\n", 2);
            if (parts.length != 2) {
                throw new IllegalArgumentException();
            }
            return parts;
        } catch (IllegalArgumentException e) {
            throw new InvalidArgument("page_token: not a token this server issued (expected: the next_page_token of a "
                    + "previous ListEntries reply)");
        }
    }
}
