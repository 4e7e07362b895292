package io.meshid.common.identity;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A channel whose connection is replaced after each SVID renewal: a TLS connection keeps
 * authenticating with the certificate of its handshake, so calls after a renewal must go over a new
 * connection to be made with the new SVID (identity-server renews an SVID once, and judges the
 * caller by the presented certificate). The old channel drains: calls already on it finish.
 * Thread-safe.
 */
final class SwappableChannel extends Channel implements AutoCloseable {

    private final Supplier<ManagedChannel> factory;
    private volatile ManagedChannel current;

    SwappableChannel(Supplier<ManagedChannel> factory) {
        this.factory = factory;
        this.current = factory.get();
    }

    /** Opens a new connection for later calls; calls on the old one finish, then it closes. */
    void swap() {
        ManagedChannel old;
        synchronized (this) {
            old = current;
            current = factory.get();
        }
        old.shutdown();
    }

    @Override
    public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
        return current.newCall(method, options);
    }

    @Override
    public String authority() {
        return current.authority();
    }

    @Override
    public void close() {
        ManagedChannel c = current;
        c.shutdownNow();
        try {
            c.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
