package io.meshid.common.spiffe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshid.common.errors.MeshidException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReservedIdentitiesTest {

    private final ReservedIdentities reserved = new ReservedIdentities(List.of("/meshid/admin", "/Platform/Signer"));

    @Test
    void meshidPaths_andConfiguredPaths_areReserved_inAnyCase_andEveryTrustDomain() {
        for (String id : List.of("spiffe://a.test/meshid/identity-server", "spiffe://b.test/MeShId/x/y", "spiffe://a.test/meshid",
                "spiffe://a.test/platform/signer", "spiffe://z.test/PLATFORM/SIGNER")) {
            assertThat(reserved.isReserved(SpiffeId.parse(id))).as(id).isTrue();
        }
    }

    @Test
    void neighbours_areNotReserved() {
        for (String id : List.of("spiffe://a.test/ns/meshid/sa/x", "spiffe://a.test/meshid-x/y", "spiffe://a.test/platform/signer/x",
                "spiffe://a.test/platform", "spiffe://meshid/ns/a/sa/b")) {
            assertThat(reserved.isReserved(SpiffeId.parse(id))).as(id).isFalse();
        }
    }

    @Test
    void refuse_namesTheFieldTheIdAndWhatIsReserved() {
        assertThatThrownBy(() -> reserved.refuse("spiffe_id", SpiffeId.parse("spiffe://a.test/MESHID/ca")))
                .isInstanceOf(MeshidException.PermissionDenied.class)
                .hasMessageContaining("spiffe_id: spiffe://a.test/MESHID/ca is reserved")
                .hasMessageContaining("/platform/signer");
    }
}
