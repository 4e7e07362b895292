package io.meshid.ca.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.stub.ServerCallStreamObserver;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LatestBundleSenderTest {

    /** A stream whose readiness the test sets, as a watcher that stops reading makes it. */
    private static final class Stream extends ServerCallStreamObserver<Integer> {
        final List<Integer> sent = new ArrayList<>();
        boolean ready = true;
        boolean cancelled;
        Runnable onReady = () -> { };

        void becomeReady() {
            ready = true;
            onReady.run();
        }

        @Override
        public boolean isReady() {
            return ready;
        }

        @Override
        public void setOnReadyHandler(Runnable handler) {
            onReady = handler;
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }

        @Override
        public void onNext(Integer value) {
            sent.add(value);
        }

        @Override
        public void setOnCancelHandler(Runnable handler) {
        }

        @Override
        public void setCompression(String compression) {
        }

        @Override
        public void disableAutoInboundFlowControl() {
        }

        @Override
        public void request(int count) {
        }

        @Override
        public void setMessageCompression(boolean enable) {
        }

        @Override
        public void onError(Throwable t) {
        }

        @Override
        public void onCompleted() {
        }
    }

    @Test
    void readyStream_getsEveryBundleAtOnce() {
        Stream stream = new Stream();
        LatestBundleSender<Integer> sender = new LatestBundleSender<>(stream);

        sender.accept(1);
        sender.accept(2);

        assertThat(stream.sent).containsExactly(1, 2);
    }

    @Test
    void watcherThatStopsReading_holdsOnlyTheNewestBundle_andGetsItWhenReadyAgain() {
        Stream stream = new Stream();
        LatestBundleSender<Integer> sender = new LatestBundleSender<>(stream);
        sender.accept(1);
        stream.ready = false;

        for (int i = 2; i <= 10_000; i++) {
            sender.accept(i);
        }
        assertThat(stream.sent).containsExactly(1);

        stream.becomeReady();
        assertThat(stream.sent).containsExactly(1, 10_000);
        stream.becomeReady();
        assertThat(stream.sent).containsExactly(1, 10_000);
    }

    @Test
    void cancelledStream_isNotWrittenTo() {
        Stream stream = new Stream();
        LatestBundleSender<Integer> sender = new LatestBundleSender<>(stream);
        stream.cancelled = true;

        sender.accept(1);

        assertThat(stream.sent).isEmpty();
    }
}
