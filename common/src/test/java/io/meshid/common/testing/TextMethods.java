package io.meshid.common.testing;

import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** gRPC methods whose messages are plain UTF-8 strings, for tests of server plumbing without protos. */
public final class TextMethods {

    private static final MethodDescriptor.Marshaller<String> TEXT = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    private TextMethods() {
    }

    /** A unary method {@code fullName} ({@code "service/Method"}). */
    public static MethodDescriptor<String, String> unary(String fullName) {
        return of(fullName, MethodDescriptor.MethodType.UNARY);
    }

    /** A server-streaming method {@code fullName}. */
    public static MethodDescriptor<String, String> serverStreaming(String fullName) {
        return of(fullName, MethodDescriptor.MethodType.SERVER_STREAMING);
    }

    /** A method {@code fullName} of any {@code type}. */
    public static MethodDescriptor<String, String> of(String fullName, MethodDescriptor.MethodType type) {
        return MethodDescriptor.<String, String>newBuilder().setType(type).setFullMethodName(fullName)
                .setRequestMarshaller(TEXT).setResponseMarshaller(TEXT).build();
    }
}
