package io.meshid.common.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * The three PEM files of an X.509-SVID ({@code cert.pem}, {@code key.pem}, {@code bundle.pem}):
 * reads them and tells whether they changed, by modification time, size and file identity (an
 * atomic rename or a Kubernetes volume's symlink swap gives a new file). Thread-safe (stateless).
 */
final class SvidFileSet {

    /** Which file a failure concerns, with the setting that names it. */
    enum Role {
        CERT("cert file", TlsConfig.PREFIX + ".cert-file", "the X.509-SVID chain in PEM, leaf first"),
        KEY("key file", TlsConfig.PREFIX + ".key-file", "the SVID's private key in PEM"),
        BUNDLE("bundle file", TlsConfig.PREFIX + ".bundle-file", "the trust bundle's CA certificates in PEM");

        final String label;
        final String configKey;
        final String expected;

        Role(String label, String configKey, String expected) {
            this.label = label;
            this.configKey = configKey;
            this.expected = expected;
        }
    }

    /** A file's identity and version as the file system reports it. */
    record Stamp(FileTime modified, long size, Object fileKey) {
    }

    /** What the files hold, parsed but not yet checked against each other. */
    record Contents(List<X509Certificate> chain, PrivateKey key, List<X509Certificate> authorities) {
    }

    /** A file that cannot be read or does not hold what it should; the message names the file. */
    static final class Failure extends IllegalStateException {
        private static final long serialVersionUID = 1L;
        private final transient Role role;

        Failure(Role role, String message) {
            super(message, null);
            this.role = role;
        }

        Role role() {
            return role;
        }
    }

    private final Path certFile;
    private final Path keyFile;
    private final Path bundleFile;

    SvidFileSet(Path certFile, Path keyFile, Path bundleFile) {
        this.certFile = Objects.requireNonNull(certFile, "certFile");
        this.keyFile = Objects.requireNonNull(keyFile, "keyFile");
        this.bundleFile = Objects.requireNonNull(bundleFile, "bundleFile");
    }

    Path path(Role role) {
        return switch (role) {
            case CERT -> certFile;
            case KEY -> keyFile;
            case BUNDLE -> bundleFile;
        };
    }

    /** The current stamps of the three files, in role order. */
    List<Stamp> stamps() {
        return List.of(stamp(Role.CERT), stamp(Role.KEY), stamp(Role.BUNDLE));
    }

    Contents read() {
        List<X509Certificate> chain = parse(Role.CERT, () -> Pem.readCertificates(certFile));
        PrivateKey key = parse(Role.KEY, () -> Pem.readPrivateKey(keyFile));
        List<X509Certificate> authorities = parse(Role.BUNDLE, () -> Pem.readCertificates(bundleFile));
        return new Contents(chain, key, authorities);
    }

    /** A failure about {@code role}'s file: "{label} {path}: {problem}". */
    Failure failure(Role role, String problem) {
        return new Failure(role, role.label + " " + path(role) + ": " + problem);
    }

    private Stamp stamp(Role role) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(path(role), BasicFileAttributes.class);
            return new Stamp(attributes.lastModifiedTime(), attributes.size(), attributes.fileKey());
        } catch (IOException e) {
            throw unreadable(role, e);
        }
    }

    private interface Reader<T> {
        T read() throws IOException;
    }

    private <T> T parse(Role role, Reader<T> reader) {
        try {
            return reader.read();
        } catch (IOException e) {
            throw unreadable(role, e);
        } catch (IllegalArgumentException e) {
            throw failure(role, e.getMessage());
        }
    }

    private Failure unreadable(Role role, IOException e) {
        return failure(role, "cannot read it (" + e.getClass().getSimpleName() + "; expected: " + role.expected + ")");
    }
}
