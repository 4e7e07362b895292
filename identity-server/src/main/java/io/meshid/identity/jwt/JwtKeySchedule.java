package io.meshid.identity.jwt;

import io.meshid.identity.jwt.JwtKey.State;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The rotation rules of a trust domain's JWT keys, as a pure step: given the keys and the time,
 * what changes now. With no usable active key (first use, or after a long outage) a key is made
 * and activated at once. Otherwise: the next key is prepared (and so published) when the active
 * one has {@code maxTokenTtl + publishLead} left; it is activated, and the old one stops
 * signing, when the active one has {@code maxTokenTtl} left and the new one has been published
 * for {@code publishLead} (a late activation only shortens the old key's last tokens); a key that stopped signing is
 * retired once its {@code notAfter} plus the clock skew has passed, since no token it signed can
 * outlive its {@code notAfter}. Not thread-safe; the manager calls it under its lock.
 */
final class JwtKeySchedule {

    private final JwtKeyPolicy policy;

    JwtKeySchedule(JwtKeyPolicy policy) {
        this.policy = policy;
    }

    /** The keys after every transition due at {@code now}; the same list when none is. */
    List<JwtKey> advance(List<JwtKey> keys, Instant now, Supplier<JwtKey> mint) {
        List<JwtKey> current = new ArrayList<>(keys);
        for (int round = 0; round < 16; round++) {
            List<JwtKey> next = step(current, now, mint);
            if (next.equals(current)) {
                return next;
            }
            current = next;
        }
        return current;
    }

    private List<JwtKey> step(List<JwtKey> in, Instant now, Supplier<JwtKey> mint) {
        List<JwtKey> out = new ArrayList<>(in);
        Optional<JwtKey> active = find(out, State.ACTIVE);
        Optional<JwtKey> prepared = find(out, State.PREPARED);
        if (active.isEmpty() || !now.isBefore(active.get().notAfter())) {
            active.ifPresent(a -> replace(out, a, a.withState(State.PUBLISHED, now)));
            JwtKey next = prepared.filter(p -> now.isBefore(p.notAfter())).orElseGet(mint);
            if (prepared.isPresent() && prepared.get() != next) {
                replace(out, prepared.get(), prepared.get().withState(State.RETIRED, now));
            }
            if (out.contains(next)) {
                replace(out, next, next.withState(State.ACTIVE, now));
            } else {
                out.add(next.withState(State.ACTIVE, now));
            }
            return out;
        }
        Duration left = Duration.between(now, active.get().notAfter());
        if (prepared.isEmpty() && left.compareTo(policy.maxTokenTtl().plus(policy.publishLead())) <= 0) {
            out.add(mint.get());
            return out;
        }
        if (prepared.isPresent() && left.compareTo(policy.maxTokenTtl()) <= 0
                && !now.isBefore(prepared.get().createdAt().plus(policy.publishLead()))) {
            replace(out, prepared.get(), prepared.get().withState(State.ACTIVE, now));
            replace(out, active.get(), active.get().withState(State.PUBLISHED, now));
            return out;
        }
        for (JwtKey k : List.copyOf(out)) {
            if (k.state() == State.PUBLISHED && !k.published(now)) {
                replace(out, k, k.withState(State.RETIRED, now));
                return out;
            }
        }
        return out;
    }

    /** The next instant at which {@link #advance} may change something, given the keys it returned. */
    Instant nextChange(List<JwtKey> keys, Instant now) {
        Instant next = Instant.MAX;
        Optional<JwtKey> active = find(keys, State.ACTIVE);
        if (active.isEmpty()) {
            return now;
        }
        Instant notAfter = active.get().notAfter();
        Optional<JwtKey> prepared = find(keys, State.PREPARED);
        next = min(next, prepared.isPresent()
                ? max(notAfter.minus(policy.maxTokenTtl()), prepared.get().createdAt().plus(policy.publishLead()))
                : notAfter.minus(policy.maxTokenTtl()).minus(policy.publishLead()));
        next = min(next, notAfter);
        for (JwtKey k : keys) {
            if (k.state() == State.PUBLISHED) {
                next = min(next, k.notAfter().plus(JwtKeyPolicy.CLOCK_SKEW));
            }
        }
        return next.isBefore(now) ? now : next;
    }

    /** A new key's {@code notAfter}. */
    Instant notAfterOf(Instant createdAt) {
        return createdAt.plus(policy.keyTtl());
    }

    static Optional<JwtKey> find(List<JwtKey> keys, State state) {
        return keys.stream().filter(k -> k.state() == state).reduce((first, second) -> second);
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    private static void replace(List<JwtKey> list, JwtKey old, JwtKey now) {
        list.set(list.indexOf(old), now);
    }
}
