package io.meshid.ca.authority;

import io.meshid.ca.authority.Authority.Level;
import io.meshid.ca.authority.Authority.State;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * The rotation rules, as a pure step over a trust domain's authorities: given them and the time,
 * what changes now. For each level: prepare the next authority (it enters the bundle) when the
 * active one has {@code childTtl + publishLead} left; activate it when the active one has
 * {@code childTtl} left; retire an intermediate that stopped signing once the last leaf it can
 * have signed has expired, and a root once none of its intermediates remain. Applying the step
 * until nothing changes also handles a clock that jumped far ahead. An upstream root is never
 * rotated here: the operator replaces it. Not thread-safe; the
 * manager calls it under its lock.
 */
final class RotationSchedule {

    /** Makes a new authority of a level; the second argument is its parent for an intermediate. */
    interface Mint extends BiFunction<Level, Optional<Authority>, Authority> {
    }

    private final RotationPolicy policy;

    RotationSchedule(RotationPolicy policy) {
        this.policy = policy;
    }

    /** The authorities after every transition due at {@code now}; the same list when none is. */
    List<Authority> advance(List<Authority> authorities, Instant now, Mint mint, boolean rotateRoots) {
        List<Authority> current = new ArrayList<>(authorities);
        for (int round = 0; round < 16; round++) {
            List<Authority> next = step(current, now, mint, rotateRoots);
            if (next.equals(current)) {
                return next;
            }
            current = next;
        }
        return current;
    }

    private List<Authority> step(List<Authority> in, Instant now, Mint mint, boolean rotateRoots) {
        List<Authority> out = new ArrayList<>(in);
        for (Level level : rotateRoots ? List.of(Level.ROOT, Level.INTERMEDIATE) : List.of(Level.INTERMEDIATE)) {
            Optional<Authority> active = find(out, level, State.ACTIVE);
            Optional<Authority> prepared = find(out, level, State.PREPARED);
            if (active.isEmpty()) {
                continue;
            }
            Duration left = Duration.between(now, active.get().notAfter());
            Duration child = policy.childTtl(level);
            if (prepared.isEmpty() && left.compareTo(child.plus(policy.publishLead())) <= 0) {
                out.add(mint.apply(level, level == Level.ROOT ? Optional.empty() : find(out, Level.ROOT, State.ACTIVE)));
                return out;
            }
            if (prepared.isPresent() && left.compareTo(child) <= 0) {
                replace(out, prepared.get(), prepared.get().withState(State.ACTIVE, Optional.of(now), Optional.empty()));
                replace(out, active.get(), stopSigning(active.get(), now));
                return out;
            }
        }
        for (Authority a : List.copyOf(out)) {
            if (a.state() == State.PUBLISHED && retirable(a, out, now)) {
                replace(out, a, a.withState(State.RETIRED, a.activatedAt(), a.retireAfter()));
                return out;
            }
        }
        return out;
    }

    /** The authority no longer signs; it stays in the bundle until what it may have signed expires. */
    Authority stopSigning(Authority a, Instant now) {
        Instant lastChildExpiry = now.plus(policy.childTtl(a.level()));
        Instant retire = lastChildExpiry.isBefore(a.notAfter()) ? lastChildExpiry : a.notAfter();
        return a.withState(State.PUBLISHED, a.activatedAt(), Optional.of(retire));
    }

    private static boolean retirable(Authority a, List<Authority> all, Instant now) {
        if (a.level() == Level.INTERMEDIATE) {
            return a.retireAfter().map(t -> !now.isBefore(t)).orElse(true);
        }
        return all.stream().noneMatch(i -> i.level() == Level.INTERMEDIATE && i.state() != State.RETIRED
                && i.parentId().equals(Optional.of(a.id())));
    }

    static Optional<Authority> find(List<Authority> all, Level level, State state) {
        return all.stream().filter(a -> a.level() == level && a.state() == state).reduce((first, second) -> second);
    }

    private static void replace(List<Authority> list, Authority old, Authority now) {
        list.set(list.indexOf(old), now);
    }
}
