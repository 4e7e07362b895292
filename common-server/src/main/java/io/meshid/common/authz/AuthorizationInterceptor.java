package io.meshid.common.authz;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.meshid.common.audit.AuditEvent;
import io.meshid.common.audit.AuditLog;
import io.meshid.common.errors.ErrorMappingInterceptor;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.tls.CallerIdentity;
import io.meshid.common.tls.TlsConfig;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.order.Ordered;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the server's {@link AuthorizationTable} to every call: the caller (from
 * {@link CallerIdentity}) must be in one of the {@link CallerClass}es of the method's entry, or the
 * call is refused before any handler runs: {@code UNAUTHENTICATED} without a caller,
 * {@code PERMISSION_DENIED} with one, and for a method that has no entry. An allowed call runs
 * with its {@link Grant} in the gRPC {@link Context}.
 *
 * <p>Every denial is audited, whoever decides it: this interceptor's own, and every call that a
 * later interceptor or the domain closes with {@code PERMISSION_DENIED} or {@code UNAUTHENTICATED}
 * (action {@value #ACTION}, the full method name as target, the refusal as detail). The event
 * is queued with {@link AuditLog#recordIfRoom} before the call is closed, so a caller that saw the
 * refusal finds it in the trail; nothing waits for the database, so this is safe on the event loop
 * for calls that run inline. A caller can produce refusals at will, so when the audit queue is
 * more than half full they are dropped and counted ({@code meshid.audit.dropped}) rather than
 * crowd out the events of operations that must be audited.
 *
 * <p>Runs right after {@code CallerIdentityInterceptor}. Thread-safe.
 */
@Singleton
@Requires(beans = AuthorizationTable.class)
public final class AuthorizationInterceptor implements ServerInterceptor, Ordered {

    /** The audit action of a refused call. */
    public static final String ACTION = "rpc.denied";

    private static final Logger LOG = LoggerFactory.getLogger(AuthorizationInterceptor.class);

    private final AuthorizationTable table;
    private final Admins admins;
    private final SignerIdentities signers;
    private final AuditLog audit;
    private final Clock clock;

    @Inject
    AuthorizationInterceptor(AuthorizationTable table, Admins admins, @Nullable SignerIdentities signers, AuditLog audit,
            Clock clock, TlsConfig tls) {
        this(table, admins, signers, audit, clock);
        for (String method : tls.getAnonymousMethods()) {
            if (!table.rule(method).map(r -> r.contains(CallerClass.ANONYMOUS)).orElse(false)) {
                throw new ConfigurationException("meshid.tls.anonymous-methods: " + method + " is not ANONYMOUS in this server's "
                        + "authorization table (expected: only methods the table lets anyone call, such as "
                        + "meshid.identity.v1.IdentityService/Attest)");
            }
        }
    }

    private AuthorizationInterceptor(AuthorizationTable table, Admins admins, @Nullable SignerIdentities signers, AuditLog audit,
            Clock clock) {
        this.table = table;
        this.admins = admins;
        this.signers = signers == null ? caller -> false : signers;
        this.audit = audit;
        this.clock = clock;
    }

    /** For servers built by hand (adapter tests). */
    public static AuthorizationInterceptor of(AuthorizationTable table, Admins admins, @Nullable SignerIdentities signers,
            AuditLog audit, Clock clock) {
        return new AuthorizationInterceptor(table, admins, signers, audit, clock);
    }

    /** After the request id (+1) and the caller identity (+2), before rate limits (+10). */
    @Override
    public int getOrder() {
        return HIGHEST_PRECEDENCE + 3;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        Optional<SpiffeId> caller = CallerIdentity.current();
        ServerCall<Q, R> audited = new DenialAuditingCall<>(call, method, caller, io.meshid.common.server.RequestIds.current());
        Optional<Set<CallerClass>> rule = table.rule(method);
        if (rule.isEmpty()) {
            return refuse(audited, new MeshidException.PermissionDenied(method + " has no entry in this server's authorization "
                    + "table (expected: a declared rpc; everything else is refused)"));
        }
        Set<CallerClass> matched = matching(rule.get(), caller, CallerIdentity.certificate());
        if (matched.isEmpty()) {
            return refuse(audited, caller.isEmpty()
                    ? new MeshidException.Unauthenticated("no client X.509-SVID (expected for " + method + ": " + describe(rule.get()) + ")")
                    : new MeshidException.PermissionDenied("caller " + caller.get() + " may not call " + method + " (expected: "
                            + describe(rule.get()) + ")"));
        }
        if (caller.isEmpty()) {
            return next.startCall(audited, headers);
        }
        Context context = Context.current().withValue(Grant.KEY, new Grant(caller.get(), matched));
        return Contexts.interceptCall(context, audited, headers, next);
    }

    private Set<CallerClass> matching(Set<CallerClass> allowed, Optional<SpiffeId> caller, Optional<X509Certificate> leaf) {
        Set<CallerClass> matched = EnumSet.noneOf(CallerClass.class);
        for (CallerClass c : allowed) {
            boolean in = switch (c) {
                case ANONYMOUS -> true;
                case AUTHENTICATED -> caller.isPresent();
                case ADMIN -> caller.isPresent() && admins.isAdmin(caller.get(), leaf, caller.get().trustDomain());
                case SYSTEM_ADMIN -> caller.isPresent() && admins.isAdmin(caller.get(), leaf, admins.systemTrustDomain());
                case SIGNER -> caller.isPresent() && signers.isSigner(caller.get());
            };
            if (in) {
                matched.add(c);
            }
        }
        return matched;
    }

    private String describe(Set<CallerClass> allowed) {
        StringBuilder text = new StringBuilder();
        for (CallerClass c : EnumSet.copyOf(allowed)) {
            if (!text.isEmpty()) {
                text.append(", or ");
            }
            text.append(switch (c) {
                case ANONYMOUS -> "anyone";
                case AUTHENTICATED -> "any caller with an X.509-SVID";
                case ADMIN -> "an admin identity (a path in " + admins.adminPaths() + " or an SVID of an entry with admin = true)";
                case SYSTEM_ADMIN -> "an admin of " + admins.systemTrustDomain();
                case SIGNER -> "a signer identity (identity-server)";
            });
        }
        return text.toString();
    }

    private static <Q> ServerCall.Listener<Q> refuse(ServerCall<Q, ?> call, MeshidException why) {
        StatusRuntimeException failure = ErrorMappingInterceptor.toStatusException(why);
        call.close(failure.getStatus(), failure.getTrailers() == null ? new Metadata() : failure.getTrailers());
        return new ServerCall.Listener<>() {
        };
    }

    /** Audits the call when it ends refused, before the refusal leaves. */
    private final class DenialAuditingCall<Q, R> extends SimpleForwardingServerCall<Q, R> {

        private final String method;
        private final Optional<SpiffeId> caller;
        private final String requestId;

        DenialAuditingCall(ServerCall<Q, R> delegate, String method, Optional<SpiffeId> caller, String requestId) {
            super(delegate);
            this.method = method;
            this.caller = caller;
            this.requestId = requestId;
        }

        @Override
        public void close(Status status, Metadata trailers) {
            if (status.getCode() == Status.Code.PERMISSION_DENIED || status.getCode() == Status.Code.UNAUTHENTICATED) {
                record(status);
            }
            super.close(status, trailers);
        }

        private void record(Status status) {
            String domain = caller.map(c -> c.trustDomain().name()).orElse(admins.systemTrustDomain().name());
            try {
                audit.recordIfRoom(AuditEvent.of(clock.instant(), domain, caller.map(SpiffeId::toString).orElse("anonymous"), ACTION,
                        method, AuditEvent.Outcome.DENIED, status.getCode() + ": " + status.getDescription(), requestId));
            } catch (RuntimeException e) {
                // The refusal stands; a full or failing audit trail is counted and logged by the trail itself.
                LOG.warn("could not audit the refusal of {} for {}: {}", method, caller.orElse(null), e.getMessage());
            }
        }
    }
}
