package io.meshid.identity.attestation;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshid.common.csr.WorkloadCsr;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * cert-authority does not verify the signature of a CSR that identity-server (a signer) sends,
 * because identity-server verified it (docs/decisions.md, "The CA does not verify a signer's CSR
 * signature a second time"). That holds only while nothing in identity-server parses a CSR with
 * {@link WorkloadCsr.Possession#VERIFIED_BY_CALLER}: every {@link WorkloadCsr} it makes, and so every
 * CSR {@code SvidIssuer} sends the CA, comes from a parse that verified the signature.
 */
class PossessionVerifiedHereTest {

    @Test
    void identityServer_neverParsesACsrWithoutVerifyingItsSignature() throws IOException {
        Path main = Path.of("src/main/java");
        assertThat(main).isDirectory();
        List<Path> skipping;
        try (Stream<Path> files = Files.walk(main)) {
            skipping = files.filter(f -> f.toString().endsWith(".java")).filter(f -> read(f).contains("VERIFIED_BY_CALLER")).toList();
        }
        assertThat(skipping).as("identity-server sources that skip the CSR's proof of possession").isEmpty();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
