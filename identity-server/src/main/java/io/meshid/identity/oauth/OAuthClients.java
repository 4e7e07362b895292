package io.meshid.identity.oauth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.meshid.common.audit.AuditEvent;
import io.meshid.common.audit.AuditLog;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.server.RequestIds;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.identity.registry.Registry;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The OAuth clients of the REST bridge, per trust domain: the admin changes RegistryService
 * serves (each in the audit trail before it returns, never with a secret), and the look-ups the
 * bridge's client authentication makes. Look-ups are cached for {@link #CACHE_TTL} so that the
 * token endpoint does not read the database per request; a change made here drops the entry at
 * once, a change made on another replica is seen within that time. Thread-safe.
 */
@Singleton
public final class OAuthClients {

    /** How long a replica may answer from memory after a change made elsewhere. */
    static final Duration CACHE_TTL = Duration.ofSeconds(2);
    static final int MAX_CLIENTS_PER_DOMAIN = 10_000;
    static final Duration DEFAULT_OVERLAP = Duration.ofHours(1);
    static final Duration MAX_OVERLAP = Duration.ofDays(7);

    static final String CREATE = "identity.oauth_client.create";
    static final String UPDATE = "identity.oauth_client.update";
    static final String DELETE = "identity.oauth_client.delete";
    static final String ROTATE = "identity.oauth_client.rotate_secret";

    /** A client and, when it was just made, its secret (shown once). */
    public record WithSecret(OAuthClient client, Optional<String> secret) {

        @Override
        public String toString() {
            return "WithSecret[client=" + client.clientId() + ", secret=****]";
        }
    }

    /** A page of clients. */
    public record Page(List<OAuthClient> clients, Optional<String> nextPageToken) {
    }

    private final OAuthClientStore store;
    private final Registry registry;
    private final AuditLog audit;
    private final Clock clock;
    private final Cache<String, Optional<OAuthClientStore.Row>> cache;

    OAuthClients(OAuthClientStore store, Registry registry, AuditLog audit, Clock clock) {
        this.store = store;
        this.registry = registry;
        this.audit = audit;
        this.clock = clock;
        this.cache = Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(CACHE_TTL).build();
    }

    /** Registers a client; a secret is generated for the client_secret_* methods. */
    public WithSecret create(OAuthClientParams p, SpiffeId admin) {
        return audited(p.trustDomain(), admin, CREATE, p.clientId(), () -> {
            requireDomain(p.trustDomain());
            if (store.count(p.trustDomain()) >= MAX_CLIENTS_PER_DOMAIN) {
                throw new MeshidException.ResourceExhausted("trust domain " + p.trustDomain() + " has " + MAX_CLIENTS_PER_DOMAIN
                        + " OAuth clients (expected: fewer; delete unused ones)");
            }
            Instant now = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
            OAuthClient client = new OAuthClient(p.trustDomain(), p.clientId(), p.authMethod(), p.grantTypes(), p.scopes(), p.audiences(),
                    p.jwksJson(), p.tlsSpiffeId(), p.tokenTtl(), now, admin.toString(), now, Optional.empty());
            Optional<String> secret = p.authMethod().usesSecret() ? Optional.of(ClientSecrets.generate()) : Optional.empty();
            if (!store.insert(client, secret.map(ClientSecrets::hash))) {
                throw new MeshidException.AlreadyExists("client_id: '" + p.clientId() + "' exists in " + p.trustDomain()
                        + " (expected: a new client id; UpdateOAuthClient changes an existing one)");
            }
            cache.invalidate(key(p.trustDomain(), p.clientId()));
            record(p.trustDomain(), admin, CREATE, p.clientId(), AuditEvent.Outcome.SUCCESS, client.authMethod().wireName()
                    + ", grants " + client.grantTypes() + ", audiences " + client.audiences() + ", scopes " + client.scopes());
            return new WithSecret(client, secret);
        });
    }

    /** The client, from the store. */
    public OAuthClient get(TrustDomain domain, String clientId) {
        requireDomain(domain);
        return store.find(domain, OAuthClientParams.clientId(clientId)).map(OAuthClientStore.Row::client)
                .orElseThrow(() -> notFound(domain, clientId));
    }

    /** A page ordered by client id; {@code pageSize} 0 means 100, at most 1000. */
    public Page list(TrustDomain domain, int pageSize, Optional<String> pageToken) {
        if (pageSize < 0) {
            throw new MeshidException.InvalidArgument("page_size: " + pageSize + " (expected: 0 for 100, or 1 to 1000)");
        }
        requireDomain(domain);
        int size = pageSize == 0 ? 100 : Math.min(pageSize, 1000);
        Optional<String> after = pageToken.map(t -> decode(domain, t));
        List<OAuthClient> rows = new ArrayList<>(store.list(domain, after, size + 1));
        Optional<String> next = Optional.empty();
        if (rows.size() > size) {
            rows = rows.subList(0, size);
            next = Optional.of(encode(domain, rows.get(size - 1).clientId()));
        }
        return new Page(List.copyOf(rows), next);
    }

    /** Replaces the mutable fields; the auth method must stay. */
    public OAuthClient update(OAuthClientParams p, SpiffeId admin) {
        return audited(p.trustDomain(), admin, UPDATE, p.clientId(), () -> {
            OAuthClient old = get(p.trustDomain(), p.clientId());
            if (old.authMethod() != p.authMethod()) {
                throw new MeshidException.InvalidArgument("auth_method: " + p.authMethod().wireName() + " (expected: "
                        + old.authMethod().wireName() + ", the client's; delete and re-create it to change the method)");
            }
            Instant now = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
            OAuthClient client = new OAuthClient(p.trustDomain(), p.clientId(), p.authMethod(), p.grantTypes(), p.scopes(), p.audiences(),
                    p.jwksJson(), p.tlsSpiffeId(), p.tokenTtl(), old.createdAt(), old.createdBy(), now, old.previousSecretExpiresAt());
            if (!store.update(client)) {
                throw notFound(p.trustDomain(), p.clientId());
            }
            cache.invalidate(key(p.trustDomain(), p.clientId()));
            record(p.trustDomain(), admin, UPDATE, p.clientId(), AuditEvent.Outcome.SUCCESS, "grants " + client.grantTypes()
                    + ", audiences " + client.audiences() + ", scopes " + client.scopes() + ", ttl " + client.tokenTtl());
            return client;
        });
    }

    /** Deletes; false when there was no such client. */
    public boolean delete(TrustDomain domain, String clientId, SpiffeId admin) {
        OAuthClientParams.clientId(clientId);
        boolean deleted = audited(domain, admin, DELETE, clientId, () -> store.delete(domain, clientId));
        cache.invalidate(key(domain, clientId));
        record(domain, admin, DELETE, clientId, deleted ? AuditEvent.Outcome.SUCCESS : AuditEvent.Outcome.FAILED,
                deleted ? "deleted" : "no such client in " + domain);
        return deleted;
    }

    /** A new secret; the current one works beside it for {@code overlap} (default 1 h). */
    public WithSecret rotateSecret(TrustDomain domain, String clientId, Optional<Duration> overlap, SpiffeId admin) {
        return audited(domain, admin, ROTATE, clientId, () -> {
            Duration o = overlap.orElse(DEFAULT_OVERLAP);
            if (o.isNegative() || o.compareTo(MAX_OVERLAP) > 0) {
                throw new MeshidException.InvalidArgument("overlap: " + o + " (expected: between PT0S and " + MAX_OVERLAP
                        + ", or unset for " + DEFAULT_OVERLAP + ")");
            }
            OAuthClient old = get(domain, clientId);
            if (!old.authMethod().usesSecret()) {
                throw new MeshidException.FailedPrecondition("client " + clientId + " authenticates with "
                        + old.authMethod().wireName() + " (expected: a client_secret_basic or client_secret_post client)");
            }
            Instant now = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
            String secret = ClientSecrets.generate();
            Optional<Instant> until = o.isZero() ? Optional.empty() : Optional.of(now.plus(o));
            if (!store.rotate(domain, clientId, ClientSecrets.hash(secret), until, now)) {
                throw notFound(domain, clientId);
            }
            cache.invalidate(key(domain, clientId));
            record(domain, admin, ROTATE, clientId, AuditEvent.Outcome.SUCCESS,
                    until.map(u -> "previous secret works until " + u).orElse("previous secret stopped"));
            return new WithSecret(get(domain, clientId), Optional.of(secret));
        });
    }

    /** The client, through the short cache; for client authentication. */
    public Optional<OAuthClient> find(TrustDomain domain, String clientId) {
        return row(domain, clientId).map(OAuthClientStore.Row::client);
    }

    /**
     * Whether a look-up of {@code clientId} ({@link #find}, {@link #secretMatches}) is answered from
     * the cache now, without the store (an unknown client, once looked up, is cached too).
     */
    public boolean inMemory(TrustDomain domain, String clientId) {
        return cache.getIfPresent(key(domain, clientId)) != null;
    }

    /**
     * Whether {@code secret} is the client's current secret, or its previous one within the
     * overlap; constant-time compares, no early exit on the first match.
     */
    public boolean secretMatches(OAuthClient client, String secret) {
        Optional<OAuthClientStore.Row> row = row(client.trustDomain(), client.clientId());
        if (row.isEmpty() || secret.isEmpty() || secret.length() > 512) {
            return false;
        }
        boolean current = ClientSecrets.matches(secret, row.get().secretSha256().orElse(null));
        boolean previous = ClientSecrets.matches(secret, row.get().previousSha256().orElse(null))
                && row.get().client().previousSecretExpiresAt().map(u -> clock.instant().isBefore(u)).orElse(false);
        return current | previous;
    }

    private Optional<OAuthClientStore.Row> row(TrustDomain domain, String clientId) {
        if (!OAuthClientParams.CLIENT_ID.matcher(clientId).matches()) {
            return Optional.empty();
        }
        return cache.get(key(domain, clientId), k -> store.find(domain, clientId));
    }

    private void requireDomain(TrustDomain domain) {
        if (!registry.trustDomainExists(domain)) {
            throw new MeshidException.NotFound("trust domain " + domain + ": not registered here");
        }
    }

    private static String key(TrustDomain domain, String clientId) {
        return domain.name() + "\n" + clientId;
    }

    private static String encode(TrustDomain domain, String clientId) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(key(domain, clientId).getBytes(StandardCharsets.UTF_8));
    }

    private static String decode(TrustDomain domain, String token) {
        try {
            String[] parts = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8).split("\n", 2);
            if (parts.length == 2 && parts[0].equals(domain.name()) && OAuthClientParams.CLIENT_ID.matcher(parts[1]).matches()) {
                return parts[1];
            }
        } catch (IllegalArgumentException e) {
            // falls through to the error below
        }
        throw new MeshidException.InvalidArgument("page_token: not a token of this listing (expected: the next_page_token "
                + "of a previous ListOAuthClients reply for " + domain + ")");
    }

    private static MeshidException notFound(TrustDomain domain, String clientId) {
        return new MeshidException.NotFound("client " + OAuthClientParams.shorten(clientId) + ": not found in " + domain);
    }

    private <T> T audited(TrustDomain domain, SpiffeId admin, String action, String target, Supplier<T> change) {
        try {
            return change.get();
        } catch (MeshidException e) {
            record(domain, admin, action, target, e.kind() == MeshidException.Kind.PERMISSION_DENIED
                    ? AuditEvent.Outcome.DENIED : AuditEvent.Outcome.FAILED, e.getMessage());
            throw e;
        }
    }

    private void record(TrustDomain domain, SpiffeId actor, String action, String target, AuditEvent.Outcome outcome, String detail) {
        audit.record(AuditEvent.of(clock.instant(), domain.name(), actor.toString(), action, target, outcome, detail,
                RequestIds.current()));
    }
}
