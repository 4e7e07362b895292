package io.meshid.common.authz;

import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.health.v1.HealthGrpc;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A server's declared authorization: for every full gRPC method name it serves, the
 * {@link CallerClass}es that may call it. Each server provides exactly one bean of this type,
 * written as one table in one class, and {@link AuthorizationInterceptor} applies it to every call.
 * A method without an entry is refused (deny by default), and each server has a test that fails
 * when a method it binds has no entry. SPIRE's {@code authpolicy} is the model. Immutable and
 * thread-safe.
 */
public final class AuthorizationTable {

    private final Map<String, Set<CallerClass>> rules;

    private AuthorizationTable(Map<String, Set<CallerClass>> rules) {
        this.rules = Map.copyOf(rules);
    }

    /** A new, empty table. */
    public static Builder builder() {
        return new Builder();
    }

    /** The classes that may call {@code fullMethodName}; empty when the table has no entry for it. */
    public Optional<Set<CallerClass>> rule(String fullMethodName) {
        return Optional.ofNullable(rules.get(fullMethodName));
    }

    /** Every entry, by full method name. */
    public Map<String, Set<CallerClass>> rules() {
        return rules;
    }

    /** Collects the entries of a table; each method at most once. Not thread-safe. */
    public static final class Builder {

        private final Map<String, Set<CallerClass>> rules = new LinkedHashMap<>();

        private Builder() {
        }

        /**
         * {@code method} may be called by a caller in any of {@code classes}.
         *
         * @throws IllegalArgumentException when the method has an entry already or no class is given
         */
        public Builder allow(MethodDescriptor<?, ?> method, CallerClass... classes) {
            return allow(method.getFullMethodName(), classes);
        }

        /** As {@link #allow(MethodDescriptor, CallerClass...)}, by full method name ({@code package.Service/Method}). */
        public Builder allow(String fullMethodName, CallerClass... classes) {
            if (classes.length == 0) {
                throw new IllegalArgumentException(fullMethodName + ": no caller class (expected: at least one; leave a method "
                        + "out of the table to refuse it)");
            }
            Set<CallerClass> set = Set.copyOf(EnumSet.copyOf(Arrays.asList(classes)));
            if (rules.putIfAbsent(fullMethodName, set) != null) {
                throw new IllegalArgumentException(fullMethodName + ": listed twice (expected: one entry per method)");
            }
            return this;
        }

        /** Every method of {@code service} may be called by a caller in any of {@code classes}. */
        public Builder allowService(ServiceDescriptor service, CallerClass... classes) {
            service.getMethods().forEach(m -> allow(m, classes));
            return this;
        }

        /**
         * The standard services every meshid server binds, for anyone: health
         * ({@code grpc.health.v1.Health}, for load balancers and probes) and server reflection (v1
         * and v1alpha; it tells only the public .proto contracts). With mutual TLS the TLS layer
         * still asks for a client SVID unless {@code meshid.tls.anonymous-methods} lists them.
         */
        @SuppressWarnings("deprecation")
        public Builder standardServices() {
            allowService(HealthGrpc.getServiceDescriptor(), CallerClass.ANONYMOUS);
            allowService(io.grpc.reflection.v1.ServerReflectionGrpc.getServiceDescriptor(), CallerClass.ANONYMOUS);
            allowService(io.grpc.reflection.v1alpha.ServerReflectionGrpc.getServiceDescriptor(), CallerClass.ANONYMOUS);
            return this;
        }

        /** The table. */
        public AuthorizationTable build() {
            return new AuthorizationTable(rules);
        }
    }
}
