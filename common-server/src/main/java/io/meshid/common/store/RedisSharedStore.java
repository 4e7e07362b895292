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
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link SharedStore} in Redis, through lettuce: one shared connection for commands (lettuce
 * connections are thread-safe and pipeline concurrent callers) and one for pub/sub. Every command
 * has a timeout, and while the connection is down commands fail at once instead of queueing, so a
 * caller never waits longer than the timeout; lettuce reconnects, and re-subscribes, by itself,
 * after a jittered delay of {@value #RECONNECT_MIN_MILLIS} to {@value #RECONNECT_MAX_MILLIS} ms
 * (lettuce's default backs off to 30 s, which kept servers refusing for up to 14 s after Redis was
 * back), so that a Redis that returns is used again within a second and the replicas do not all
 * reconnect at the same instant. TCP keep-alive finds a silently dead connection. At connection
 * it refuses a Redis that evicts keys ({@link RedisRequirements}).
 * Any Redis failure surfaces as {@link SharedStoreUnavailableException}. The password never
 * appears in a log line, a message or {@link #toString()}. Thread-safe.
 */
final class RedisSharedStore implements SharedStore, LeasedCounters {

    private static final Logger LOG = LoggerFactory.getLogger(RedisSharedStore.class);

    /** INCR, and set the window only on a counter without expiry (a new one): atomic in Redis. */
    private static final String INCREMENT_SCRIPT = """
            local count = redis.call('INCR', KEYS[1])
            if redis.call('PTTL', KEYS[1]) == -1 then
              redis.call('PEXPIRE', KEYS[1], ARGV[1])
            end
            return count
            """;

    static final long RECONNECT_MIN_MILLIS = 20;
    static final long RECONNECT_MAX_MILLIS = 500;
    static final long RECONNECT_GRACE_MILLIS = 1_000;
    private static final long NO_REFUSAL = Long.MIN_VALUE;

    /**
     * Per key (ARGV from 3, three per key: used, want, permits): each hash field is one replica's
     * reservation; this member's becomes max(its own, used, min(used + want, permits - others)).
     */
    private static final String LEASE_SCRIPT = """
            local member = ARGV[1]
            local out = {}
            for i, key in ipairs(KEYS) do
              local used = tonumber(ARGV[3 * i])
              local want = tonumber(ARGV[3 * i + 1])
              local permits = tonumber(ARGV[3 * i + 2])
              local fields = redis.call('HGETALL', key)
              local others, mine = 0, 0
              for j = 1, #fields, 2 do
                if fields[j] == member then mine = tonumber(fields[j + 1]) else others = others + tonumber(fields[j + 1]) end
              end
              local reserved = math.max(mine, used, math.min(used + want, permits - others))
              redis.call('HSET', key, member, reserved)
              if redis.call('PTTL', key) == -1 then redis.call('PEXPIRE', key, ARGV[2]) end
              out[i] = reserved
            end
            return out
            """;

    private final String maskedUri;
    private final ClientResources resources;
    private final Duration commandTimeout;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private final RedisCommands<String, String> commands;
    private final StatefulRedisPubSubConnection<String, String> pubSub;
    private final String incrementSha;
    private final String leaseSha;
    private final LocalSubscribers subscribers = new LocalSubscribers("meshid-store-redis-delivery");
    private final Object subscriptionLock = new Object();
    /** Channels whose first SUBSCRIBE is not confirmed yet: their confirmation resyncs no one. */
    private final Set<String> firstConfirmations = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    /**
     * {@link System#nanoTime} of the first command lettuce refused as "not connected" since the last
     * command that went through, or {@link #NO_REFUSAL}: the start of the reconnect grace. Kept from the
     * calls themselves, not from lettuce's connection events, which arrive on the event loop after a
     * refusal and mix the command connection's with the subscription's (the grace was once measured
     * from an old disconnect, and a call right after a killed connection failed at once).
     */
    private final AtomicLong refusedSince = new AtomicLong(NO_REFUSAL);

    RedisSharedStore(String uri, Duration commandTimeout) {
        this.maskedUri = RedisUris.mask(uri);
        this.commandTimeout = Objects.requireNonNull(commandTimeout, "commandTimeout");
        if (commandTimeout.isNegative() || commandTimeout.isZero()) {
            throw new IllegalArgumentException("commandTimeout: " + commandTimeout + " (expected: positive)");
        }
        RedisURI redisUri = parse(uri, maskedUri);
        redisUri.setTimeout(commandTimeout);
        RedisRequirements.checkTransport(redisUri, maskedUri);
        this.resources = DefaultClientResources.builder()
                .reconnectDelay(Delay.fullJitter(Duration.ofMillis(RECONNECT_MIN_MILLIS), Duration.ofMillis(RECONNECT_MAX_MILLIS),
                        50, TimeUnit.MILLISECONDS))
                .build();
        this.client = RedisClient.create(resources, redisUri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .socketOptions(SocketOptions.builder().connectTimeout(commandTimeout).keepAlive(true).build())
                .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .build());
        try {
            this.connection = client.connect(StringCodec.UTF8);
            this.commands = connection.sync();
            this.pubSub = client.connectPubSub(StringCodec.UTF8);
            this.incrementSha = commands.digest(INCREMENT_SCRIPT);
            RedisRequirements.check(commands, maskedUri);
            this.leaseSha = commands.digest(LEASE_SCRIPT);
        } catch (RedisException e) {
            shutdown();
            throw new SharedStoreUnavailableException("Redis at " + maskedUri + " is unreachable: " + e.getMessage(), e);
        } catch (IllegalStateException e) {
            shutdown();
            throw e;
        }
        pubSub.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String message) {
                subscribers.dispatch(channel, message);
            }

            @Override
            public void subscribed(String channel, long count) {
                // The first SUBSCRIBE's confirmation is subscribe()'s to handle (it may come before or
                // after the sync call returns); any other is lettuce re-subscribing after a reconnect.
                if (!firstConfirmations.remove(channel)) {
                    subscribers.resync(channel);
                }
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
    public long[] lease(String member, java.util.List<Lease> leases, Duration ttl) {
        StoreArguments.name("member", member);
        StoreArguments.ttl("ttl", ttl);
        String[] keys = new String[leases.size()];
        String[] args = new String[2 + 3 * leases.size()];
        args[0] = member;
        args[1] = Long.toString(ttl.toMillis());
        for (int i = 0; i < keys.length; i++) {
            Lease l = leases.get(i);
            keys[i] = StoreArguments.name("key", l.key());
            args[2 + 3 * i] = Long.toString(l.used());
            args[3 + 3 * i] = Long.toString(l.want());
            args[4 + 3 * i] = Long.toString(l.permits());
        }
        java.util.List<Long> reserved = call("LEASE", () -> {
            try {
                return commands.<java.util.List<Long>>evalsha(leaseSha, ScriptOutputType.MULTI, keys, args);
            } catch (RedisNoScriptException e) {
                return commands.<java.util.List<Long>>eval(LEASE_SCRIPT, ScriptOutputType.MULTI, keys, args);
            }
        });
        long[] out = new long[reserved.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = reserved.get(i);
        }
        return out;
    }

    @Override
    public void publish(String channel, String message) {
        StoreArguments.name("channel", channel);
        StoreArguments.value("message", message);
        call("PUBLISH", () -> commands.publish(channel, message));
    }

    @Override
    public Subscription subscribe(String channel, Consumer<String> listener) {
        return subscribe(channel, listener, () -> { });
    }

    @Override
    public Subscription subscribe(String channel, Consumer<String> listener, Runnable onResync) {
        StoreArguments.name("channel", channel);
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(onResync, "onResync");
        LocalSubscribers.Handle handle = new LocalSubscribers.Handle(channel, listener, onResync);
        synchronized (subscriptionLock) {
            if (subscribers.add(handle)) {
                firstConfirmations.add(channel);
                try {
                    call("SUBSCRIBE", () -> {
                        pubSub.sync().subscribe(channel);
                        return null;
                    });
                } catch (RuntimeException e) {
                    firstConfirmations.remove(channel);
                    subscribers.remove(handle);
                    throw e;
                }
            }
            // The channel's subscription is live now: this listener's first resync may run.
            subscribers.start(handle);
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
            resources.shutdown(0, commandTimeout.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Whether lettuce refused {@code e}'s command without sending it because the connection is down. */
    private static boolean rejectedWhileReconnecting(RedisException e) {
        return String.valueOf(e.getMessage()).startsWith("Currently not connected");
    }

    /**
     * Waits for the command connection to be open again, but only within
     * {@value #RECONNECT_GRACE_MILLIS} ms of the first refusal since a command last went through (one
     * killed connection, reconnecting now): a call made then costs a short wait instead of a refusal.
     * In a longer outage calls fail at once. True when the connection is open within the grace.
     */
    private boolean awaitReconnect() {
        long now = System.nanoTime();
        long since = refusedSince.compareAndExchange(NO_REFUSAL, now);
        long deadline = (since == NO_REFUSAL ? now : since) + TimeUnit.MILLISECONDS.toNanos(RECONNECT_GRACE_MILLIS);
        do {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        } while (!connection.isOpen());
        return true;
    }

    private <T> T wentThrough(T result) {
        if (refusedSince.get() != NO_REFUSAL) {
            refusedSince.set(NO_REFUSAL);
        }
        return result;
    }

    private void shutdown() {
        client.shutdown(Duration.ZERO, commandTimeout);
        resources.shutdown(0, commandTimeout.toMillis(), TimeUnit.MILLISECONDS);
        subscribers.close();
    }

    @Override
    public void ping() {
        call("PING", commands::ping);
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
            try {
                return wentThrough(action.get());
            } catch (RedisException e) {
                RedisException last = e;
                // A refused command was never sent (rejected while disconnected), so sending it again is safe;
                // again while lettuce still refuses right after the channel opens, within the grace.
                while (rejectedWhileReconnecting(last) && awaitReconnect()) {
                    try {
                        return wentThrough(action.get());
                    } catch (RedisException again) {
                        last = again;
                    }
                }
                throw last;
            }
        } catch (RedisException e) {
            if (e instanceof RedisCommandInterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new SharedStoreUnavailableException(
                    "Redis at " + maskedUri + " failed on " + command + ": " + e.getMessage(), e);
        }
    }
}
