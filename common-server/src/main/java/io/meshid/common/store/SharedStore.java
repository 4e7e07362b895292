package io.meshid.common.store;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Fast state that every replica of a meshid server shares: revoked token ids until they expire,
 * single-use replay guards, rate-limit counters, and notifications between replicas (a new policy
 * version, for example). Redis holds it when {@code meshid.redis.uri} is set; otherwise an
 * in-process map does, which is right for one process and nothing more.
 *
 * <p>Keys and values are strings. Callers namespace their keys ({@code "revoked:jti:<jti>"},
 * {@code "replay:join-token:<hash>"}) and never put a secret in a key: keys appear in error
 * messages. Every entry has a time to live; nothing is kept forever.
 *
 * <p>Limits, checked before anything is changed: a key or channel has 1 to 512 characters, a
 * value or message at most 64 KiB in UTF-8, a TTL lies between 1 ms and 30 days. A call that
 * breaks one throws {@link IllegalArgumentException} with a message such as
 * {@code "ttl: PT0S (expected: between PT0.001S and P30D)"} and changes nothing.
 *
 * <p>When the backing store cannot answer in time (Redis down, a command past its timeout), a call
 * throws {@link SharedStoreUnavailableException}; callers that guard security decisions treat that
 * as "unknown", which means deny. A call on a closed store throws {@link IllegalStateException}.
 *
 * <p>This interface is thread-safe.
 */
public interface SharedStore extends AutoCloseable {

    /**
     * Stores {@code value} under {@code key} for {@code ttl} if no live entry holds the key, in one
     * atomic step (Redis {@code SET NX PX}). Of many concurrent callers, in this process or in other
     * replicas sharing the same Redis, exactly one gets {@code true}. An expired entry counts as absent.
     *
     * @return {@code true} when this call stored the value
     */
    boolean putIfAbsent(String key, String value, Duration ttl);

    /** Stores {@code value} under {@code key} for {@code ttl}, replacing any value and TTL the key had. */
    void put(String key, String value, Duration ttl);

    /** The live value under {@code key}, or empty when there is none or it has expired. */
    Optional<String> get(String key);

    /** Whether a live entry holds {@code key}. */
    boolean contains(String key);

    /**
     * Removes the entry under {@code key}.
     *
     * @return {@code true} when a live entry was removed
     */
    boolean delete(String key);

    /**
     * Adds one to the counter under {@code key} and returns the new count, atomically. The first
     * increment creates the counter at 1 and sets it to expire after {@code window}; later increments
     * do not extend that expiry, so the counter counts calls in one fixed window (rate limiting).
     * After the window the next increment starts again at 1.
     *
     * @throws IllegalStateException when the key holds a value that is not a whole number
     */
    long increment(String key, Duration window);

    /**
     * Fixed-window counters kept in this process for everything that uses this store, when the
     * store itself lives in this process (the in-process store): rate limits count there with one
     * atomic add per call instead of an {@link #increment} each. Their slots share the counters'
     * space of {@link #increment} (see {@link #inProcess}). Empty for a store that other processes
     * share (Redis), whose counters must go through the store.
     */
    default java.util.Optional<WindowCounters> windowCounters() {
        return java.util.Optional.empty();
    }

    /**
     * Sends {@code message} to every current subscriber of {@code channel}, in this process and in
     * the other replicas. Delivery is at most once and asynchronous, as with Redis pub/sub: a
     * subscriber that is not connected at the time misses the message, so subscribers use messages
     * as hints (re-read the policy version) and not as the record of truth.
     */
    void publish(String channel, String message);

    /**
     * Calls {@code listener} with every message later published on {@code channel}. Messages are
     * delivered asynchronously on one delivery thread that the store owns, in the order the store
     * received them; a listener must not block for long. A listener that throws is logged and keeps
     * its subscription. Once this method returns, messages published afterwards reach the listener.
     *
     * @return a handle whose {@link Subscription#close()} ends the subscription
     */
    Subscription subscribe(String channel, Consumer<String> listener);

    /**
     * Checks that the backing store answers now (Redis {@code PING}), within the command timeout.
     * For health probes. The in-process store always answers.
     *
     * @throws SharedStoreUnavailableException when it does not
     */
    default void ping() {
    }

    /**
     * As {@link #subscribe(String, Consumer)}, and calls {@code onResync} on the delivery thread,
     * in order with the messages, whenever the listener may have missed messages: once when the
     * subscription is first confirmed, again after every re-subscription (Redis reconnected: what
     * was published while the connection was down is lost), and before the next message after
     * any message was dropped. A listener that keeps a view of a record of truth (a database)
     * re-reads it there: everything published before {@code onResync} ran and not delivered
     * afterwards was written to the record before it was published.
     */
    Subscription subscribe(String channel, Consumer<String> listener, Runnable onResync);

    /** What backs this store, for logs and health: {@code "in-process"} or {@code "redis"}. */
    String kind();

    /** Releases connections and threads; idempotent. Later calls on this store throw {@link IllegalStateException}. */
    @Override
    void close();

    /**
     * An in-process store: the embedded default, for one process and for tests.
     *
     * @param clock drives expiry, so that tests can move time
     * @param maxEntries how many values it holds at most, and, in a space of their own, how many
     *     counters ({@link #increment}); when a space is full, writes of new keys in it fail with
     *     {@link IllegalStateException} rather than evict anything
     */
    static SharedStore inProcess(Clock clock, int maxEntries) {
        return new InProcessSharedStore(clock, maxEntries);
    }

    /**
     * A store in the Redis at {@code uri} ({@code redis://[[user]:password@]host[:port][/database]}),
     * connected before this method returns.
     *
     * @param commandTimeout how long one command may take before it fails
     * @throws SharedStoreUnavailableException when Redis cannot be reached
     */
    static SharedStore redis(String uri, Duration commandTimeout) {
        return new RedisSharedStore(uri, commandTimeout);
    }

    /**
     * One listener's subscription to a channel. Closing it is idempotent; after {@link #close()}
     * returns, the listener receives no message whose delivery had not yet begun.
     */
    @FunctionalInterface
    interface Subscription extends AutoCloseable {

        /** Ends the subscription. */
        @Override
        void close();
    }
}
