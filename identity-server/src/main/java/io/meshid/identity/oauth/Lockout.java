package io.meshid.identity.oauth;

import io.meshid.common.server.SourceAddresses;
import io.meshid.common.store.SharedStore;
import io.meshid.common.spiffe.TrustDomain;
import java.time.Duration;
import java.util.Optional;

/**
 * Limits failed client authentication, in the {@link SharedStore} so that every replica counts
 * together. Two counters per failure: per client and source, and per client. When one passes its
 * limit within {@code lockout}, a lock with a fixed end is set ({@code SET NX}): that source for
 * that client, or the client as a whole. While a lock holds, attempts it covers are refused
 * without checking or counting them, so an attacker who keeps failing cannot extend it: a lock
 * ends {@code lockout} after it began, whatever happens meanwhile.
 *
 * <p>A client-wide lock does not cover the sources where the client authenticated successfully
 * within {@code known-source-ttl}: an attacker's failures from elsewhere never lock out a caller
 * that is already working, and lock out a new caller for at most {@code lockout}. An attacker at
 * the caller's own source address only locks out that pair. Thread-safe.
 */
public final class Lockout {

    private final SharedStore store;
    private final OAuthConfig config;

    public Lockout(SharedStore store, OAuthConfig config) {
        this.store = store;
        this.config = config;
    }

    /** Why attempts of {@code clientId} from {@code source} are refused now, if they are. */
    public Optional<String> locked(TrustDomain domain, String clientId, String source) {
        String src = SourceAddresses.limitKey(source);
        if (store.contains(key("lock:src", domain, clientId, src))) {
            return Optional.of("too many failed authentications of this client from this source; locked for up to "
                    + config.getLockout());
        }
        if (store.contains(key("lock:client", domain, clientId, "")) && !store.contains(key("known", domain, clientId, src))) {
            return Optional.of("too many failed authentications of this client; locked for up to " + config.getLockout()
                    + " except from sources where it authenticated recently");
        }
        return Optional.empty();
    }

    /** Counts a failure, and locks when a limit is passed. */
    public void failed(TrustDomain domain, String clientId, String source) {
        String src = SourceAddresses.limitKey(source);
        if (store.increment(key("fail:src", domain, clientId, src), config.getLockout()) >= config.getFailuresPerSource()) {
            store.putIfAbsent(key("lock:src", domain, clientId, src), "1", config.getLockout());
        }
        if (store.increment(key("fail:client", domain, clientId, ""), config.getLockout()) >= config.getFailuresPerClient()) {
            store.putIfAbsent(key("lock:client", domain, clientId, ""), "1", config.getLockout());
        }
    }

    /** Marks {@code source} as one where the client authenticates, exempt from client-wide locks. */
    public void succeeded(TrustDomain domain, String clientId, String source) {
        String key = key("known", domain, clientId, SourceAddresses.limitKey(source));
        // The hot path only reads; the mark is written again at the first success after it expires.
        if (!store.contains(key)) {
            store.put(key, "1", config.getKnownSourceTtl());
        }
    }

    private static String key(String kind, TrustDomain domain, String clientId, String source) {
        return "oauth:" + kind + ":" + domain.name() + ":" + clientId + (source.isEmpty() ? "" : ":" + source);
    }

    /** For tests: the configured lockout. */
    Duration lockout() {
        return config.getLockout();
    }
}
