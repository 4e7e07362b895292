package io.meshid.common.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.meshid.common.spiffe.SpiffeId;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CallersTest {

    private static final SpiffeId CALLER = SpiffeId.parse("spiffe://example.org/ns/payments/sa/api");
    private static final SpiffeId ADMIN = SpiffeId.parse("spiffe://example.org/ns/meshid/sa/admin");
    private static final SpiffeId IDENTITY = SpiffeId.parse("spiffe://example.org/ns/meshid/sa/identity-server");

    @Test
    void require_withoutIdentity_isUnauthenticated() {
        assertThat(CallerIdentity.current()).isEmpty();
        assertThatThrownBy(Callers::require)
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                    assertThat(e.getStatus().getDescription())
                            .isEqualTo("no caller identity (expected: a client X.509-SVID over mutual TLS)");
                });
    }

    @Test
    void require_returnsTheCallerInTheContext() throws Exception {
        SpiffeId seen = Context.current().withValue(CallerIdentity.KEY, CALLER).call(Callers::require);

        assertThat(seen).isEqualTo(CALLER);
    }

    @Test
    void requireOneOf_allowedCaller_passes() throws Exception {
        SpiffeId seen = Context.current().withValue(CallerIdentity.KEY, ADMIN)
                .call(() -> Callers.requireOneOf(Set.of(ADMIN, IDENTITY), "sign X.509-SVIDs"));

        assertThat(seen).isEqualTo(ADMIN);
    }

    @Test
    void requireOneOf_otherCaller_isPermissionDeniedNamingTheAllowed() {
        Context context = Context.current().withValue(CallerIdentity.KEY, CALLER);

        assertThatThrownBy(() -> context.call(() -> Callers.requireOneOf(Set.of(IDENTITY, ADMIN), "sign X.509-SVIDs")))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                    assertThat(e.getStatus().getDescription()).isEqualTo("caller " + CALLER
                            + " may not sign X.509-SVIDs (expected: one of " + ADMIN + ", " + IDENTITY + ")");
                });
    }
}
