package io.meshid.cli;

import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.tls.Pem;
import io.meshid.common.tls.StaticSvidSource;
import io.meshid.common.tls.SvidSource;
import io.meshid.common.tls.X509Bundle;
import io.meshid.common.tls.X509Svid;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/**
 * Reads the PEM files meshctl authenticates with and checks them as a set before any call, so a
 * wrong file is one line naming it and what it should hold, not a TLS failure later. Stateless.
 */
public final class Credentials {

    private Credentials() {
    }

    /** The SVID in {@code cert}/{@code key} and the bundle in {@code bundle}, for {@code domain} (the SVID's when null). */
    public static SvidSource svid(Path cert, Path key, Path bundle, TrustDomain domain) {
        List<X509Certificate> chain = certificates(cert, "--cert", "your X.509-SVID chain in PEM, leaf first");
        PrivateKey privateKey;
        try {
            privateKey = Pem.readPrivateKey(key);
        } catch (IOException e) {
            throw unreadable(key, "--key", e);
        } catch (IllegalArgumentException e) {
            throw CliException.usage("--key " + key + ": " + e.getMessage());
        }
        X509Svid svid;
        try {
            svid = X509Svid.of(chain, privateKey);
        } catch (IllegalArgumentException e) {
            throw CliException.usage("--cert " + cert + " with --key " + key + ": " + e.getMessage());
        }
        if (svid.notAfter().isBefore(Instant.now())) {
            throw CliException.usage("--cert " + cert + ": the SVID " + svid.spiffeId() + " expired at " + svid.notAfter()
                    + " (expected: a current SVID; the dev mesh renews its admin's while it runs)");
        }
        return new StaticSvidSource(svid, bundle(bundle, domain == null ? svid.spiffeId().trustDomain() : domain));
    }

    /** Only a bundle, for calls made before the caller has an SVID (Attest): every svid() call fails. */
    public static SvidSource bundleOnly(Path bundle, TrustDomain domain) {
        X509Bundle read = bundle(bundle, domain);
        return new SvidSource() {
            @Override
            public X509Svid svid() {
                throw new IllegalStateException("no SVID: this connection authenticates the server only");
            }

            @Override
            public X509Bundle bundle() {
                return read;
            }

            @Override
            public void addListener(Runnable onChange) {
            }
        };
    }

    /** The bundle in {@code file} for {@code domain}. */
    public static X509Bundle bundle(Path file, TrustDomain domain) {
        return X509Bundle.of(domain, certificates(file, "--bundle", "the trust bundle's CA certificates in PEM"), 0);
    }

    private static List<X509Certificate> certificates(Path file, String flag, String expected) {
        try {
            return Pem.readCertificates(file);
        } catch (IOException e) {
            throw unreadable(file, flag, e);
        } catch (IllegalArgumentException e) {
            throw CliException.usage(flag + " " + file + ": " + e.getMessage() + " (expected: " + expected + ")");
        }
    }

    private static CliException unreadable(Path file, String flag, IOException e) {
        String why = e instanceof NoSuchFileException ? "no such file" : e.getMessage();
        return CliException.usage(flag + " " + file + ": " + why + " (expected: a readable PEM file)", e);
    }
}
