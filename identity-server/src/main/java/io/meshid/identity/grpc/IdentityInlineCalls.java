package io.meshid.identity.grpc;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.meshid.common.ratelimit.RateLimitInterceptor;
import io.meshid.common.server.InlineCalls;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.tls.CallerIdentityInterceptor;
import io.meshid.identity.exchange.ExternalIssuerConfig;
import io.meshid.identity.jwt.JwtKeyManager;
import io.meshid.identity.registry.Registry;
import io.meshid.proto.identity.v1.IdentityServiceGrpc;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The token calls that identity-server answers on the event loop, when they touch memory alone:
 * {@code MintJwtSvid} when the caller's registration entry and its trust domain's signing key are
 * in memory; {@code ExchangeToken} and {@code ValidateToken} when no external OIDC issuer is
 * configured (its JWKS may have to be fetched): revocations are checked against this replica's
 * view in memory, Redis or not ({@code Revocations}). Every rate limit that applies to the call
 * must count from memory too ({@link RateLimitInterceptor#countsInMemory}: in-process, or
 * leased from Redis; a per-method limit in Redis keeps its method off the event loop). Everything else (registry, attestation, renewal through the CA,
 * revocation writes) runs on the rpc executor. A verification key that is missing from memory
 * is re-read in the background, and the inline call answered from memory ({@code JwtKeyManager});
 * audit events are queued without waiting ({@code AuditLog#recordSoon}, {@code recordIfRoom}).
 */
@Singleton
final class IdentityInlineCalls implements InlineCalls {

    private static final String MINT = IdentityServiceGrpc.getMintJwtSvidMethod().getFullMethodName();
    private static final String EXCHANGE = IdentityServiceGrpc.getExchangeTokenMethod().getFullMethodName();
    private static final String VALIDATE = IdentityServiceGrpc.getValidateTokenMethod().getFullMethodName();

    private final Function<ServerCall<?, ?>, Optional<SpiffeId>> callers;
    private final Predicate<SpiffeId> entryInMemory;
    private final Predicate<TrustDomain> keyInMemory;
    private final Predicate<String> limitsInMemory;
    private final boolean localTokenChecks;

    @Inject
    IdentityInlineCalls(CallerIdentityInterceptor callers, Registry registry, JwtKeyManager keys, RateLimitInterceptor limits,
            List<ExternalIssuerConfig> externalIssuers) {
        this(callers::callerOf, registry::entryInMemory, keys::signingKeyInMemory, limits::countsInMemory,
                externalIssuers.isEmpty());
    }

    IdentityInlineCalls(Function<ServerCall<?, ?>, Optional<SpiffeId>> callers, Predicate<SpiffeId> entryInMemory,
            Predicate<TrustDomain> keyInMemory, boolean localLimits, boolean localTokenChecks) {
        this(callers, entryInMemory, keyInMemory, method -> localLimits, localTokenChecks);
    }

    IdentityInlineCalls(Function<ServerCall<?, ?>, Optional<SpiffeId>> callers, Predicate<SpiffeId> entryInMemory,
            Predicate<TrustDomain> keyInMemory, Predicate<String> limitsInMemory, boolean localTokenChecks) {
        this.callers = callers;
        this.entryInMemory = entryInMemory;
        this.keyInMemory = keyInMemory;
        this.limitsInMemory = limitsInMemory;
        this.localTokenChecks = localTokenChecks;
    }

    @Override
    public boolean runsInline(ServerCall<?, ?> call, Metadata headers) {
        String method = call.getMethodDescriptor().getFullMethodName();
        if (!limitsInMemory.test(method)) {
            return false;
        }
        if (method.equals(MINT)) {
            // The caller as the interceptors will check it (valid now, under the current bundle).
            Optional<SpiffeId> caller = callers.apply(call);
            return caller.isPresent() && entryInMemory.test(caller.get()) && keyInMemory.test(caller.get().trustDomain());
        }
        return localTokenChecks && (method.equals(EXCHANGE) || method.equals(VALIDATE));
    }
}
