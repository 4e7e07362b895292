package io.meshid.common.authz;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshid.common.server.MeshidConfig;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.testing.TestPki;
import java.security.cert.X509Certificate;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AdminMarkTest {

    private static final TestPki PKI = TestPki.create("mark.test");
    private final Admins admins = new Admins(new MeshidConfig());

    @Test
    void onlyAMarkedLeaf_isMarked() {
        assertThat(AdminMark.isMarked(PKI.leaf("spiffe://mark.test/ops").admin().issue().leaf())).isTrue();
        assertThat(AdminMark.isMarked(PKI.leaf("spiffe://mark.test/ops").issue().leaf())).isFalse();
    }

    @Test
    void aMarkedLeaf_makesItsHolderAdminOfItsOwnTrustDomainOnly() {
        X509Certificate leaf = PKI.leaf("spiffe://mark.test/ops").admin().issue().leaf();
        SpiffeId ops = SpiffeId.parse("spiffe://mark.test/ops");

        assertThat(admins.isAdmin(ops, Optional.of(leaf), TrustDomain.of("mark.test"))).isTrue();
        assertThat(admins.isAdmin(ops, Optional.of(leaf), TrustDomain.of("other.test"))).isFalse();
        assertThat(admins.isAdmin(ops, Optional.empty(), TrustDomain.of("mark.test"))).isFalse();
    }

    @Test
    void aConfiguredAdminPath_isAdminWithoutAMark() {
        assertThat(admins.isAdmin(SpiffeId.parse("spiffe://mark.test/meshid/admin"), Optional.empty(), TrustDomain.of("mark.test")))
                .isTrue();
        assertThat(admins.isAdmin(SpiffeId.parse("spiffe://mark.test/meshid/admin"), Optional.empty(), TrustDomain.of("b.test")))
                .isFalse();
    }
}
