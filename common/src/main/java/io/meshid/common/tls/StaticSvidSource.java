package io.meshid.common.tls;

import java.util.Objects;

/**
 * An {@link SvidSource} held in memory and changed by its owner: for tests, and for processes that
 * make or receive their SVID themselves (the CA issues its own; a sidecar receives one from
 * identity-server). Each {@code update} replaces the value and then notifies the listeners.
 *
 * <p>The bundle is normally that of the SVID's own trust domain; a client of another trust domain
 * (such as a test of cross-domain refusal) may hold the bundle of the servers it calls. When both
 * change (a new SVID under a new authority), prefer {@link #update(X509Svid, X509Bundle)}, which
 * swaps them together. Thread-safe.
 */
public final class StaticSvidSource implements SvidSource {

    private record State(X509Svid svid, X509Bundle bundle) {
        State {
            Objects.requireNonNull(svid, "svid");
            Objects.requireNonNull(bundle, "bundle");
        }
    }

    private final Listeners listeners = new Listeners();
    private volatile State state;

    /** A source that starts with {@code svid} and {@code bundle}. */
    public StaticSvidSource(X509Svid svid, X509Bundle bundle) {
        this.state = new State(svid, bundle);
    }

    @Override
    public X509Svid svid() {
        return state.svid();
    }

    @Override
    public X509Bundle bundle() {
        return state.bundle();
    }

    @Override
    public void addListener(Runnable onChange) {
        listeners.add(onChange);
    }

    /** Replaces the SVID, then notifies the listeners. */
    public void update(X509Svid svid) {
        synchronized (this) {
            state = new State(svid, state.bundle());
        }
        listeners.fire();
    }

    /** Replaces the bundle, then notifies the listeners. */
    public void update(X509Bundle bundle) {
        synchronized (this) {
            state = new State(state.svid(), bundle);
        }
        listeners.fire();
    }

    /** Replaces both at once (no handshake sees one without the other), then notifies the listeners once. */
    public void update(X509Svid svid, X509Bundle bundle) {
        synchronized (this) {
            state = new State(svid, bundle);
        }
        listeners.fire();
    }

    @Override
    public String toString() {
        State s = state;
        return "StaticSvidSource[" + s.svid() + ", " + s.bundle() + "]";
    }
}
