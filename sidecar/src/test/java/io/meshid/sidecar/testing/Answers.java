package io.meshid.sidecar.testing;

import io.grpc.stub.StreamObserver;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A client's side of a streaming call in a test: every message the server sends lands in
 * {@link #messages}, the end of the call completes {@link #done} ({@code "completed"}, or
 * exceptionally with the call's error).
 */
public final class Answers implements StreamObserver<String> {

    public final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
    public final CompletableFuture<String> done = new CompletableFuture<>();

    @Override
    public void onNext(String value) {
        messages.add(value);
    }

    @Override
    public void onError(Throwable t) {
        done.completeExceptionally(t);
    }

    @Override
    public void onCompleted() {
        done.complete("completed");
    }
}
