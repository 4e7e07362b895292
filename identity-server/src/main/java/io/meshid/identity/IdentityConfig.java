package io.meshid.identity;

import io.meshid.common.server.ConfigChecks;
import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.annotation.Context;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * identity-server's settings ({@code meshid.identity.*}): lifetimes of join tokens and JWT-SVIDs,
 * the CA's address, the key-encryption key of the JWT signing keys. Checked at start-up; the JWT
 * signing keys' rotation is in {@code meshid.identity.jwt.*} ({@code JwtConfig}).
 */
@Context
@ConfigurationProperties(IdentityConfig.PREFIX)
public final class IdentityConfig {

    /** Configuration prefix. */
    public static final String PREFIX = "meshid.identity";

    private Duration joinTokenTtl = Duration.ofMinutes(10);
    private Duration jwtSvidTtl = Duration.ofMinutes(5);
    private String caAddress = "127.0.0.1:7001";
    private Duration caDeadline = Duration.ofSeconds(5);
    private int attestFailuresPerMinute = 20;
    private Duration renewalGrace = Duration.ofSeconds(30);

    /**
     * Lifetime of a join token when its creator names none ({@code meshid.identity.join-token-ttl}),
     * within the contract's bounds for CreateJoinToken's {@code ttl}: 1 min to 24 h.
     */
    public Duration getJoinTokenTtl() {
        return joinTokenTtl;
    }

    public void setJoinTokenTtl(Duration ttl) {
        this.joinTokenTtl = ConfigChecks.between(PREFIX + ".join-token-ttl", ttl, Duration.ofMinutes(1), Duration.ofHours(24));
    }

    /**
     * The {@code jwt_svid_ttl} an entry gets when its creator names none ({@code meshid.identity.jwt-svid-ttl},
     * 5 min): the default and longest lifetime of the JWT-SVIDs minted for it; within the
     * contract's bounds for an entry's {@code jwt_svid_ttl}, 1 min to 1 h. Entries keep the value
     * they were created with.
     */
    public Duration getJwtSvidTtl() {
        return jwtSvidTtl;
    }

    public void setJwtSvidTtl(Duration ttl) {
        this.jwtSvidTtl = ConfigChecks.between(PREFIX + ".jwt-svid-ttl", ttl, Duration.ofMinutes(1), Duration.ofHours(1));
    }

    /** cert-authority's gRPC address, {@code host:port} ({@code meshid.identity.ca-address}). */
    public String getCaAddress() {
        return caAddress;
    }

    public void setCaAddress(String address) {
        if (address == null || !address.matches("[A-Za-z0-9.\\-\\[\\]:]+:\\d{1,5}")) {
            throw new io.micronaut.context.exceptions.ConfigurationException(PREFIX + ".ca-address: '" + address
                    + "' (expected: host:port of cert-authority's gRPC port, such as 127.0.0.1:7001)");
        }
        this.caAddress = address;
    }

    /**
     * Failed attestations one source address may make in a minute before it is refused with
     * RESOURCE_EXHAUSTED ({@code meshid.identity.attest-failures-per-minute}); counted in the shared
     * store, so across replicas when Redis is configured.
     */
    public int getAttestFailuresPerMinute() {
        return attestFailuresPerMinute;
    }

    public void setAttestFailuresPerMinute(int limit) {
        this.attestFailuresPerMinute = ConfigChecks.between(PREFIX + ".attest-failures-per-minute", limit, 1, 100_000);
    }

    /**
     * How long after an SVID's first renewal one more renewal of it is accepted, for a workload
     * whose reply was lost ({@code meshid.identity.renewal-grace}, default 30 s, at most 5 min).
     */
    public Duration getRenewalGrace() {
        return renewalGrace;
    }

    public void setRenewalGrace(Duration grace) {
        this.renewalGrace = ConfigChecks.between(PREFIX + ".renewal-grace", grace, Duration.ZERO, Duration.ofMinutes(5));
    }

    /** Deadline of each call to cert-authority ({@code meshid.identity.ca-deadline}). */
    public Duration getCaDeadline() {
        return caDeadline;
    }

    public void setCaDeadline(Duration deadline) {
        this.caDeadline = ConfigChecks.between(PREFIX + ".ca-deadline", deadline, Duration.ofMillis(100), Duration.ofMinutes(1));
    }

    private String keyEncryptionKey;
    private Path keyEncryptionKeyFile;

    /**
     * The key-encryption key of the JWT signing keys in base64 ({@code MESHID_IDENTITY_KEY_ENCRYPTION_KEY});
     * prefer the file. Never logged.
     */
    public Optional<String> getKeyEncryptionKey() {
        return Optional.ofNullable(keyEncryptionKey).filter(s -> !s.isBlank());
    }

    public void setKeyEncryptionKey(String keyEncryptionKey) {
        this.keyEncryptionKey = keyEncryptionKey;
    }

    /** A file holding the key-encryption key in base64 ({@code meshid.identity.key-encryption-key-file}). */
    public Optional<Path> getKeyEncryptionKeyFile() {
        return Optional.ofNullable(keyEncryptionKeyFile);
    }

    public void setKeyEncryptionKeyFile(Path file) {
        this.keyEncryptionKeyFile = file;
    }
}
