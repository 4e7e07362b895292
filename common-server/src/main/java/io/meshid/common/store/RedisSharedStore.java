package io.meshid.common.store;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandInterruptedException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link SharedStore} in Redis, through lettuce: one shared connection for commands (lettuce
 * connections are thread-safe and pipeline concurrent callers) and one for pub/sub. Every command
 * has a timeout, and while the connection is down commands fail at once instead of queueing, so a
 * caller never waits longer than the timeout; lettuce reconnects, and re-subscribes, by itself.
 * Any Redis failure surfaces as {@link SharedStoreUnavailableException}. The password never
 * appears in a log line, a message or {@link #toString()}. Thread-safe.
 */
final class RedisSharedStore implements SharedStore {

    private static final Logger LOG = LoggerFactory.getLogger(RedisSharedStore.class);

    /** INCR, and set the window only on a counter without expiry (a new one): atomic in Redis. */
    private static final String INCREMENT_SCRIPT = """
            local count = redis.call('INCR', KEYS[1])
            if redis.call('PTTL', KEYS[1]) == -1 then
              redis.call('PEXPIRE', KEYS[1], ARGV[1])
            end
            return count
            """;

    private final String maskedUri;
    private final Duration commandTimeout;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private final RedisCommands<String, String> commands;
    private final StatefulRedisPubSubConnection<String, String> pubSub;
    private final String incrementSha;
    private final LocalSubscribers subscribers = new LocalSubscribers("meshid-store-redis-delivery");
    private final Object subscriptionLock = new Object();
    private final AtomicBoolean closed = new AtomicBoolean();

    RedisSharedStore(String uri, Duration commandTimeout) {
        this.maskedUri = RedisUris.mask(uri);
        this.commandTimeout = Objects.requireNonNull(commandTimeout, "commandTimeout");
        if (commandTimeout.isNegative() || commandTimeout.isZero()) {
            throw new IllegalArgumentException("commandTimeout: " + commandTimeout + " (expected: positive)");
        }
        RedisURI redisUri = parse(uri, maskedUri);
        redisUri.setTimeout(commandTimeout);
        this.client = RedisClient.create(redisUri);
        client.setOptions(ClientOptions.builder()
                .socketOptions(SocketOptions.builder().connectTimeout(commandTimeout).build())
                .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .build());
        try {
            this.connection = client.connect(StringCodec.UTF8);
            this.commands = connection.sync();
            this.pubSub = client.connectPubSub(StringCodec.UTF8);
            this.incrementSha = commands.digest(INCREMENT_SCRIPT);
        } catch (RedisException e) {
            client.shutdown(Duration.ZERO, commandTimeout);
            subscribers.close();
            throw new SharedStoreUnavailableException("Redis at " + maskedUri + " is unreachable: " + e.getMessage(), e);
        }
        pubSub.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String message) {
                subscribers.dispatch(channel, message);
            }
        });
    }

    private static RedisURI parse(String uri, String maskedUri) {
        try {
            return RedisURI.create(Objects.requireNonNull(uri, "uri"));
        } catch (IllegalArgumentException e) {
            // Not chained: lettuce's message may quote the URI, password and all.
            throw new IllegalArgumentException(
                    "uri: " + maskedUri + " (expected: redis://[[user]:password@]host[:port][/database] or rediss://...)");
        }
    }

    @Override
    public boolean putIfAbsent(String key, String value, Duration ttl) {
        check(key, value, ttl);
        return "OK".equals(call("SET NX", () -> commands.set(key, value, SetArgs.Builder.nx().px(ttl.toMillis()))));
    }

    @Override
    public void put(String key, String value, Duration ttl) {
        check(key, value, ttl);
        call("SET", () -> commands.set(key, value, SetArgs.Builder.px(ttl.toMillis())));
    }

    @Override
    public Optional<String> get(String key) {
        StoreArguments.name("key", key);
        return Optional.ofNullable(call("GET", () -> commands.get(key)));
    }

    @Override
    public boolean contains(String key) {
        StoreArguments.name("key", key);
        return call("EXISTS", () -> commands.exists(key)) > 0;
    }

    @Override
    public boolean delete(String key) {
        StoreArguments.name("key", key);
        return call("DEL", () -> commands.del(key)) > 0;
    }

    @Override
    public long increment(String key, Duration window) {
        StoreArguments.name("key", key);
        StoreArguments.ttl("window", window);
        String[] keys = {key};
        String windowMillis = Long.toString(window.toMillis());
        try {
            return call("INCR", () -> {
                try {
                    return commands.<Long>evalsha(incrementSha, ScriptOutputType.INTEGER, keys, windowMillis);
                } catch (RedisNoScriptException e) {
                    // Redis restarted or flushed its script cache: EVAL runs and caches it again.
                    return commands.<Long>eval(INCREMENT_SCRIPT, ScriptOutputType.INTEGER, keys, windowMillis);
                }
            });
        } catch (SharedStoreUnavailableException e) {
            if (e.getCause() instanceof RedisCommandExecutionException cause
                    && String.valueOf(cause.getMessage()).contains("not an integer")) {
                throw Counters.notACounter(key);
            }
            throw e;
        }
    }

    @Override
    public void publish(String channel, String message) {
        StoreArguments.name("channel", channel);
        StoreArguments.value("message", message);
        call("PUBLISH", () -> commands.publish(channel, message));
    }

    @Override
    public Subscription subscribe(String channel, Consumer<String> listener) {
        StoreArguments.name("channel", channel);
        Objects.requireNonNull(listener, "listener");
        LocalSubscribers.Handle handle = new LocalSubscribers.Handle(channel, listener);
        synchronized (subscriptionLock) {
            if (subscribers.add(handle)) {
                try {
                    call("SUBSCRIBE", () -> {
                        pubSub.sync().subscribe(channel);
                        return null;
                    });
                } catch (RuntimeException e) {
                    subscribers.remove(handle);
                    throw e;
                }
            }
        }
        return () -> unsubscribe(handle);
    }

    private void unsubscribe(LocalSubscribers.Handle handle) {
        synchronized (subscriptionLock) {
            if (!subscribers.remove(handle) || closed.get()) {
                return;
            }
            try {
                call("UNSUBSCRIBE", () -> {
                    pubSub.sync().unsubscribe(handle.channel());
                    return null;
                });
            } catch (SharedStoreUnavailableException e) {
                // The listener is gone locally already; Redis may keep sending until reconnect.
                LOG.warn("Could not unsubscribe from channel {} in Redis at {}: {}",
                        handle.channel(), maskedUri, e.getMessage());
            }
        }
    }

    @Override
    public String kind() {
        return "redis";
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        subscribers.close();
        try {
            pubSub.close();
            connection.close();
        } catch (RedisException e) {
            LOG.debug("Closing the connections to Redis at {} failed", maskedUri, e);
        } finally {
            client.shutdown(Duration.ZERO, commandTimeout);
        }
    }

    @Override
    public String toString() {
        return "RedisSharedStore[" + maskedUri + ", commandTimeout=" + commandTimeout + "]";
    }

    private void check(String key, String value, Duration ttl) {
        StoreArguments.name("key", key);
        StoreArguments.value("value", value);
        StoreArguments.ttl("ttl", ttl);
    }

    private <T> T call(String command, Supplier<T> action) {
        if (closed.get()) {
            throw new IllegalStateException("the shared store in Redis at " + maskedUri + " is closed");
        }
        try {
            return action.get();
        } catch (RedisException e) {
            if (e instanceof RedisCommandInterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new SharedStoreUnavailableException(
                    "Redis at " + maskedUri + " failed on " + command + ": " + e.getMessage(), e);
        }
    }
}
