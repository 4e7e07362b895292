package io.meshid.common.server;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.micronaut.core.order.Ordered;
import io.grpc.ServerInterceptor;
import jakarta.inject.Singleton;
import org.slf4j.MDC;

/**
 * Gives every gRPC call a request id ({@link RequestIds}), echoes it in the response headers, and
 * puts it in the logging MDC while the call's callbacks run, so that every log line written while
 * serving the call carries it. Runs first among meshid's interceptors that look at a call. Thread-safe.
 */
@Singleton
public final class RequestIdServerInterceptor implements ServerInterceptor, Ordered {

    @Override
    public int getOrder() {
        // Right after OffloadingInterceptor, which only moves calls between threads.
        return HIGHEST_PRECEDENCE + 1;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String requestId = RequestIds.acceptOrCreate(headers.get(RequestIds.METADATA_KEY));
        ServerCall<Q, R> echoing = new SimpleForwardingServerCall<>(call) {
            @Override
            public void sendHeaders(Metadata responseHeaders) {
                responseHeaders.put(RequestIds.METADATA_KEY, requestId);
                super.sendHeaders(responseHeaders);
            }
        };
        Context context = Context.current().withValue(RequestIds.CONTEXT_KEY, requestId);
        ServerCall.Listener<Q> delegate = Contexts.interceptCall(context, echoing, headers, next);
        return new MdcListener<>(delegate, requestId);
    }

    /** Sets the MDC around each callback: gRPC may run them on different threads. */
    private static final class MdcListener<Q> extends SimpleForwardingServerCallListener<Q> {

        private final String requestId;

        MdcListener(ServerCall.Listener<Q> delegate, String requestId) {
            super(delegate);
            this.requestId = requestId;
        }

        @Override
        public void onMessage(Q message) {
            run(() -> super.onMessage(message));
        }

        @Override
        public void onHalfClose() {
            run(super::onHalfClose);
        }

        @Override
        public void onCancel() {
            run(super::onCancel);
        }

        @Override
        public void onComplete() {
            run(super::onComplete);
        }

        @Override
        public void onReady() {
            run(super::onReady);
        }

        private void run(Runnable callback) {
            String previous = MDC.get(RequestIds.MDC_KEY);
            MDC.put(RequestIds.MDC_KEY, requestId);
            try {
                callback.run();
            } finally {
                if (previous == null) {
                    MDC.remove(RequestIds.MDC_KEY);
                } else {
                    MDC.put(RequestIds.MDC_KEY, previous);
                }
            }
        }
    }
}
