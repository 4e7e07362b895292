package io.meshid.ca.keys;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshid.ca.authority.Authority;
import io.meshid.ca.authority.AuthorityManager;
import io.meshid.ca.issuance.IssuedX509Svid;
import io.meshid.ca.issuance.WorkloadCa;
import io.meshid.ca.issuance.X509SvidParams;
import io.meshid.ca.testing.Csrs;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.testing.TestDatabase;
import io.micronaut.context.ApplicationContext;
import io.micronaut.context.annotation.Replaces;
import io.micronaut.context.annotation.Requires;
import io.micronaut.data.connection.jdbc.advice.DelegatingDataSource;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * The seam ca.md promises: a KMS or HSM stands behind {@link AuthorityKeys} without touching the
 * authority code. A stand-in "KMS" that keeps keys outside the database and stores only a
 * reference replaces the default bean; the CA makes its authorities through it, the database holds
 * no key material, and a CA restarted on the same database signs with the keys it loads back.
 */
class AuthorityKeysSeamTest {

    private static final TrustDomain DOMAIN = TrustDomain.of("kms.test");

    /** A key store outside the process's database, as a KMS would be; references are "kms:N". */
    private static final Map<String, Signer> KMS = new ConcurrentHashMap<>();
    private static final AtomicInteger NEXT = new AtomicInteger();

    /** The stand-in: makes keys "in the KMS", stores only their reference in the authority row. */
    @Singleton
    @Replaces(AuthorityKeys.class)
    @Requires(property = "test.authority-keys", value = "kms")
    static final class ReferenceKeys implements AuthorityKeys {

        @Override
        public Signer generate(KeyAlgorithm algorithm) {
            Signer key = SoftwareSigner.generate(algorithm);
            KMS.put("kms:" + NEXT.incrementAndGet(), key);
            return key;
        }

        @Override
        public Optional<byte[]> stored(Signer signer, String authorityId) {
            return KMS.entrySet().stream().filter(e -> e.getValue() == signer).map(e -> e.getKey().getBytes(StandardCharsets.UTF_8))
                    .findFirst();
        }

        @Override
        public Signer load(byte[] stored, PublicKey publicKey, String authorityId) {
            Signer key = KMS.get(new String(stored, StandardCharsets.UTF_8));
            if (key == null || !key.publicKey().equals(publicKey)) {
                throw new IllegalStateException("no KMS key for authority " + authorityId);
            }
            return key;
        }
    }

    @Test
    void aReplacementAuthorityKeys_makesStoresAndLoadsEveryAuthorityKey_withoutTheAuthorityCodeChanging() throws Exception {
        TestDatabase db = TestDatabase.h2();
        List<PublicKey> first;
        try (ApplicationContext ca = start(db)) {
            assertThat(ca.getBean(AuthorityKeys.class)).isInstanceOf(ReferenceKeys.class);
            ca.getBean(AuthorityManager.class).ensure(DOMAIN);
            first = ca.getBean(AuthorityManager.class).authorities(DOMAIN).stream().map(a -> a.certificate().getPublicKey()).toList();

            List<String> stored = storedKeys(ca);
            assertThat(stored).isNotEmpty().allMatch(s -> s.startsWith("kms:"));
        }

        try (ApplicationContext restarted = start(db)) {
            AuthorityManager authorities = restarted.getBean(AuthorityManager.class);
            authorities.ensure(DOMAIN);
            assertThat(authorities.authorities(DOMAIN)).map(a -> a.certificate().getPublicKey())
                    .containsExactlyInAnyOrderElementsOf(first);

            IssuedX509Svid svid = restarted.getBean(WorkloadCa.class).signX509Svid(new X509SvidParams(
                    Csrs.of(Csrs.ec("secp256r1")), SpiffeId.parse("spiffe://kms.test/app"), Optional.empty(), List.of(), "", "test"));
            Authority intermediate = authorities.authorities(DOMAIN).stream()
                    .filter(a -> a.level() == Authority.Level.INTERMEDIATE).findFirst().orElseThrow();
            svid.chain().get(0).verify(intermediate.certificate().getPublicKey());
        }
    }

    private static List<String> storedKeys(ApplicationContext ca) throws Exception {
        DataSource data = DelegatingDataSource.unwrapDataSource(ca.getBean(DataSource.class));
        List<String> out = new ArrayList<>();
        try (Connection c = data.getConnection();
                ResultSet rs = c.createStatement().executeQuery("SELECT sealed_key FROM ca_authority")) {
            while (rs.next()) {
                out.add(new String(rs.getBytes(1), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private static ApplicationContext start(TestDatabase db) {
        Map<String, Object> properties = new HashMap<>(db.properties("common", "cert-authority"));
        properties.put("meshid.trust-domain", DOMAIN.name());
        properties.put("meshid.ca.key-encryption-key", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
        properties.put("meshid.ca.bundle-endpoint.enabled", false);
        properties.put("meshid.ca.rotation-check-interval", "PT1H");
        properties.put("test.authority-keys", "kms");
        return ApplicationContext.builder().properties(properties).start();
    }
}
