package io.meshid.common.testing;

import io.grpc.Attributes;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.Status;

/** Server calls that do nothing, for unit tests of code that only looks at a call's method and attributes. */
public final class FakeServerCalls {

    private FakeServerCalls() {
    }

    /** A call of {@code method} with no transport attributes (no TLS session). */
    public static ServerCall<?, ?> of(MethodDescriptor<?, ?> method) {
        return new ServerCall<Object, Object>() {
            @Override
            public void request(int numMessages) {
            }

            @Override
            public void sendHeaders(Metadata headers) {
            }

            @Override
            public void sendMessage(Object message) {
            }

            @Override
            public void close(Status status, Metadata trailers) {
            }

            @Override
            public boolean isCancelled() {
                return false;
            }

            @Override
            public Attributes getAttributes() {
                return Attributes.EMPTY;
            }

            @SuppressWarnings("unchecked")
            @Override
            public MethodDescriptor<Object, Object> getMethodDescriptor() {
                return (MethodDescriptor<Object, Object>) method;
            }
        };
    }
}
