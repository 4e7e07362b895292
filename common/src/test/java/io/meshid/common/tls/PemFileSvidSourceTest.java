package io.meshid.common.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshid.common.testing.TestPki;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PemFileSvidSourceTest {

    private static final Duration POLL = Duration.ofMillis(50);

    @TempDir
    Path dir;

    private final TestPki pki = TestPki.create("example.org");
    private final Semaphore changes = new Semaphore(0);
    private PemFileSvidSource source;

    @AfterEach
    void close() {
        if (source != null) {
            source.close();
        }
    }

    @Test
    void reads_theSvidAndBundle() throws IOException {
        X509Svid svid = pki.svid("/ns/a/sa/one");
        write(svid, pki.bundle());

        source = open();

        assertThat(source.svid().spiffeId()).isEqualTo(svid.spiffeId());
        assertThat(source.svid().chain()).containsExactlyElementsOf(svid.chain());
        assertThat(source.bundle().trustDomain()).isEqualTo(pki.trustDomain());
        assertThat(source.bundle().authorities()).containsExactly(pki.root());
        assertThat(source.bundle().sequenceNumber()).isEqualTo(1);
    }

    @Test
    void renewedSvid_isPickedUpAfterAPoll_andListenersHearIt() throws Exception {
        write(pki.svid("/ns/a/sa/one"), pki.bundle());
        source = open();
        source.addListener(changes::release);

        X509Svid renewed = pki.svid("/ns/a/sa/one");
        write(renewed, pki.bundle());

        assertThat(changes.tryAcquire(10, TimeUnit.SECONDS)).as("a change was announced").isTrue();
        assertThat(source.svid().leaf()).isEqualTo(renewed.leaf());
        assertThat(source.bundle().sequenceNumber()).as("same authorities, same sequence").isEqualTo(1);
    }

    @Test
    void newBundle_raisesTheSequenceNumber() throws Exception {
        write(pki.svid("/ns/a/sa/one"), pki.bundle());
        source = open();
        source.addListener(changes::release);

        TestPki next = TestPki.create("example.org");
        writeFile("bundle.pem", Pem.writeCertificates(List.of(pki.root(), next.root())));

        assertThat(changes.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
        assertThat(source.bundle().authorities()).containsExactly(pki.root(), next.root());
        assertThat(source.bundle().sequenceNumber()).isEqualTo(2);
    }

    @Test
    void garbageOrHalfWrittenFiles_areIgnored_andThePreviousSvidKept() throws Exception {
        X509Svid first = pki.svid("/ns/a/sa/one");
        write(first, pki.bundle());
        source = open();
        source.addListener(changes::release);

        writeFile("cert.pem", "garbage");
        source.poll();
        String chain = Pem.writeCertificates(pki.svid("/ns/a/sa/one").chain());
        writeFile("cert.pem", chain.substring(0, chain.length() / 2));
        source.poll();

        assertThat(source.svid().leaf()).isEqualTo(first.leaf());
        assertThat(changes.availablePermits()).isZero();
    }

    @Test
    void certWrittenBeforeItsKey_isIgnoredUntilTheKeyArrives() throws Exception {
        write(pki.svid("/ns/a/sa/one"), pki.bundle());
        source = open();
        source.addListener(changes::release);
        X509Svid renewed = pki.svid("/ns/a/sa/one");

        writeFile("cert.pem", Pem.writeCertificates(renewed.chain()));
        source.poll();
        assertThat(source.svid().leaf()).isNotEqualTo(renewed.leaf());

        writeFile("key.pem", Pem.writePrivateKey(renewed.privateKey()));
        assertThat(changes.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
        assertThat(source.svid().leaf()).isEqualTo(renewed.leaf());
    }

    @Test
    void svidThatDoesNotVerifyAgainstTheBundle_isIgnored() throws Exception {
        X509Svid first = pki.svid("/ns/a/sa/one");
        write(first, pki.bundle());
        source = open();

        write(TestPki.create("example.org").svid("/ns/a/sa/one"), pki.bundle());
        source.poll();

        assertThat(source.svid().leaf()).isEqualTo(first.leaf());
    }

    @Test
    void missingKeyFile_failsConstructionNamingIt() throws IOException {
        writeFile("cert.pem", Pem.writeCertificates(pki.svid("/ns/a/sa/one").chain()));
        writeFile("bundle.pem", Pem.writeCertificates(pki.bundle().authorities()));

        assertThatThrownBy(this::open)
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("key file " + dir.resolve("key.pem")
                        + ": cannot read it (NoSuchFileException; expected: the SVID's private key in PEM)");
    }

    @Test
    void badCertFile_failsConstructionNamingIt() throws IOException {
        write(pki.svid("/ns/a/sa/one"), pki.bundle());
        writeFile("cert.pem", "nothing here");

        assertThatThrownBy(this::open)
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("cert file " + dir.resolve("cert.pem") + ": PEM: no CERTIFICATE block (expected: one or more)");
    }

    @Test
    void expiredSvid_failsConstructionNamingTheBundle() throws IOException {
        TestPki.Issued expired = pki.leaf("spiffe://example.org/ns/a/sa/one").expired().issue();
        write(expired.svid(), pki.bundle());

        assertThatThrownBy(this::open)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("bundle file " + dir.resolve("bundle.pem") + ": the SVID in "
                        + dir.resolve("cert.pem") + " does not verify against it: peer leaf spiffe://example.org/ns/a/sa/one expired at");
    }

    private PemFileSvidSource open() {
        return new PemFileSvidSource(dir.resolve("cert.pem"), dir.resolve("key.pem"), dir.resolve("bundle.pem"), POLL);
    }

    private void write(X509Svid svid, X509Bundle bundle) throws IOException {
        writeFile("bundle.pem", Pem.writeCertificates(bundle.authorities()));
        writeFile("key.pem", Pem.writePrivateKey(svid.privateKey()));
        writeFile("cert.pem", Pem.writeCertificates(svid.chain()));
    }

    /** As renewal tools do: write a temporary file, then rename it over the old one. */
    private void writeFile(String name, String content) throws IOException {
        Path temporary = Files.writeString(dir.resolve(name + ".tmp"), content);
        Files.move(temporary, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
