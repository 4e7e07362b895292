package io.meshid.identity.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.meshid.common.testing.FakeServerCalls;
import io.meshid.proto.identity.v1.IdentityServiceGrpc;
import io.meshid.proto.identity.v1.RegistryServiceGrpc;
import org.junit.jupiter.api.Test;

/** Which calls identity-server keeps on the event loop: only those that can be answered from memory. */
class IdentityInlineCallsTest {

    private static boolean inline(IdentityInlineCalls calls, MethodDescriptor<?, ?> method) {
        return calls.runsInline(FakeServerCalls.of(method), new Metadata());
    }

    @Test
    void tokenChecksRunInlineOnlyWithoutAnExternalIssuer() {
        IdentityInlineCalls local = new IdentityInlineCalls(call -> java.util.Optional.empty(), id -> true, td -> true, true, true);
        assertThat(inline(local, IdentityServiceGrpc.getExchangeTokenMethod())).isTrue();
        assertThat(inline(local, IdentityServiceGrpc.getValidateTokenMethod())).isTrue();

        IdentityInlineCalls remote = new IdentityInlineCalls(call -> java.util.Optional.empty(), id -> true, td -> true, true, false);
        assertThat(inline(remote, IdentityServiceGrpc.getExchangeTokenMethod())).isFalse();
        assertThat(inline(remote, IdentityServiceGrpc.getValidateTokenMethod())).isFalse();
    }

    @Test
    void aMethodRunsInlineOnlyWhenEveryLimitOfItCountsFromMemory() {
        // A method with a limit counted by a store round trip (a Redis limiter without leases) stays off the event loop.
        String exchange = IdentityServiceGrpc.getExchangeTokenMethod().getFullMethodName();
        IdentityInlineCalls calls = new IdentityInlineCalls(call -> java.util.Optional.empty(), id -> true, td -> true,
                method -> !method.equals(exchange), true);
        assertThat(inline(calls, IdentityServiceGrpc.getExchangeTokenMethod())).isFalse();
        assertThat(inline(calls, IdentityServiceGrpc.getValidateTokenMethod())).isTrue();
    }

    @Test
    void nothingRunsInlineWhenRateLimitsCountInRedis() {
        IdentityInlineCalls calls = new IdentityInlineCalls(call -> java.util.Optional.empty(), id -> true, td -> true, false, true);
        assertThat(inline(calls, IdentityServiceGrpc.getExchangeTokenMethod())).isFalse();
        assertThat(inline(calls, IdentityServiceGrpc.getMintJwtSvidMethod())).isFalse();
    }

    @Test
    void callsThatReachTheDatabaseOrTheCaNeverRunInline() {
        IdentityInlineCalls calls = new IdentityInlineCalls(call -> java.util.Optional.empty(), id -> true, td -> true, true, true);
        assertThat(inline(calls, IdentityServiceGrpc.getAttestMethod())).isFalse();
        assertThat(inline(calls, IdentityServiceGrpc.getRenewX509SvidMethod())).isFalse();
        assertThat(inline(calls, IdentityServiceGrpc.getRevokeTokenMethod())).isFalse();
        assertThat(inline(calls, RegistryServiceGrpc.getCreateEntryMethod())).isFalse();
    }

    @Test
    void aMintWithoutAVerifiedClientCertificateIsNotInline() {
        // No TLS session: the caller is unknown here, so the registry could not be asked; the
        // offloaded call is then refused by the interceptors as before.
        IdentityInlineCalls calls = new IdentityInlineCalls(call -> java.util.Optional.empty(), id -> true, td -> true, true, true);
        assertThat(inline(calls, IdentityServiceGrpc.getMintJwtSvidMethod())).isFalse();
    }

    @Test
    void aMintRunsInlineOnlyForACallerThatPassesTheCallerChecks() {
        io.meshid.common.spiffe.SpiffeId caller = io.meshid.common.spiffe.SpiffeId.parse("spiffe://example.org/ns/a/sa/b");
        IdentityInlineCalls verified = new IdentityInlineCalls(call -> java.util.Optional.of(caller), id -> true, td -> true,
                true, true);
        IdentityInlineCalls refused = new IdentityInlineCalls(call -> java.util.Optional.empty(), id -> true, td -> true,
                true, true);

        assertThat(inline(verified, IdentityServiceGrpc.getMintJwtSvidMethod())).isTrue();
        assertThat(inline(refused, IdentityServiceGrpc.getMintJwtSvidMethod())).isFalse();
    }
}
