package io.meshid.identity.registry;

import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The registry of identities, scoped by trust domain: which trust domains exist, which entries
 * map workloads to SPIFFE IDs, and the single-use join tokens bound to entries. Every write is
 * durable before it returns. Implementations are thread-safe.
 */
public interface Registry {

    /** Whether {@code domain} is registered here. */
    boolean trustDomainExists(TrustDomain domain);

    /** Creates an entry after checking its bounds; fails if the same SPIFFE ID and selectors exist. */
    RegistrationEntry createEntry(EntryParams params);

    /** The entry with {@code id}, if it is in {@code domain}. */
    Optional<RegistrationEntry> entry(TrustDomain domain, String id);

    /** The trust domain an entry id belongs to, if it exists. */
    Optional<TrustDomain> domainOfEntry(String id);

    /** A page of entries and the token of the next page, if any. */
    Page list(EntryQuery query);

    /** Deletes the entry (and its unused join tokens) if it is in {@code domain}. */
    boolean deleteEntry(TrustDomain domain, String id);

    /** The newest entry that holds {@code id}, if any does. */
    Optional<RegistrationEntry> entryFor(SpiffeId id);

    /** Whether {@link #entryFor} would answer for {@code id} now from memory, without reading the store. */
    default boolean entryInMemory(SpiffeId id) {
        return false;
    }

    /**
     * The entries of {@code domain} that attestation with these facts satisfies: those whose
     * selectors include every one of {@code required} and are otherwise among {@code optional}
     * (for Kubernetes: cluster and namespace required, service account optional, see
     * {@link KubernetesSelectors}). At most {@code limit}, ordered by SPIFFE ID.
     */
    List<RegistrationEntry> entriesMatching(TrustDomain domain, List<Selector> required, List<Selector> optional, int limit);

    /**
     * Registers a new trust domain, durably.
     *
     * @return false when it exists
     */
    boolean createTrustDomain(TrustDomain domain, String description, String createdBy, java.time.Instant at);

    /** The trust domain as registered. */
    Optional<TrustDomainRecord> trustDomain(TrustDomain domain);

    /**
     * A page of registered trust domains ordered by name, {@code only} that one when given (a
     * tenant admin's view). {@code pageSize} 0 means 100, at most {@link EntryQuery#MAX_PAGE_SIZE};
     * {@code pageToken} is a previous page's next token.
     *
     * @throws io.meshid.common.errors.MeshidException.InvalidArgument for a page size or token out of bounds
     */
    TrustDomainPage trustDomains(Optional<TrustDomain> only, int pageSize, Optional<String> pageToken);

    /** A page of trust domains. */
    record TrustDomainPage(List<TrustDomainRecord> trustDomains, Optional<String> nextPageToken) {
    }

    /** A registered trust domain. */
    record TrustDomainRecord(TrustDomain name, String description, java.time.Instant createdAt, String createdBy) {
    }

    /** Creates a join token for the entry, valid for {@code ttl} (default when empty). */
    JoinToken createJoinToken(TrustDomain domain, String entryId, Optional<Duration> ttl);

    /**
     * Consumes a join token: at most one caller ever gets the entry back, across threads and
     * replicas sharing the database; an unknown, expired or used token gives empty.
     */
    Optional<RegistrationEntry> consumeJoinToken(String secret);

    /**
     * The entry of a join token that is unused and unexpired now, without consuming it (one read):
     * attestation checks the rest of the request first and consumes the token only when the
     * SVID is recorded ({@code IssuanceLedger}), so that a bad request never burns it. An unknown,
     * expired or used token gives empty.
     */
    Optional<RegistrationEntry> unusedJoinToken(String secret);

    /** A join token's entry, and whether a CSR's key already served an SVID of the entry's SPIFFE ID. */
    record TokenEntry(RegistrationEntry entry, boolean keyUsed) {
    }

    /**
     * As {@link #unusedJoinToken(String)}, and in the same read (one round trip before the CA is
     * asked) whether {@code keySha256} already served an SVID of the entry's SPIFFE ID
     * ({@code id_svid}), so that a reused key costs no signature. The issuance ledger still
     * enforces both when it records the SVID.
     */
    Optional<TokenEntry> unusedJoinToken(String secret, String keySha256);

    /** The stored form of a join token: the lowercase hex SHA-256 of its secret. */
    static String joinTokenDigest(String secret) {
        return DefaultRegistry.sha256(secret);
    }

    /** A page of entries. */
    record Page(List<RegistrationEntry> entries, Optional<String> nextPageToken) {
    }
}
