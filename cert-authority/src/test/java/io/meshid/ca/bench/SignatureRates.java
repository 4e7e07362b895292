package io.meshid.ca.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The machine's raw ECDSA P-256 rates, single-threaded, measured in the same run as the issuance
 * load so that the two can be compared: a JCA provider's {@code SHA256withECDSA} over a message of
 * a leaf certificate's size, and {@code openssl speed ecdsap256} as a subprocess. Not thread-safe;
 * run it while nothing else is busy.
 */
final class SignatureRates {

    /** Signatures and verifications per second on one thread. */
    record Rate(String source, double signPerSecond, double verifyPerSecond) {
    }

    private static final Pattern OPENSSL_LINE = Pattern.compile(
            "256 bits ecdsa \\(nistp256\\)\\s+[\\d.]+s\\s+[\\d.]+s\\s+([\\d.]+)\\s+([\\d.]+)");
    /** About the size of a leaf's TBSCertificate, which is what the CA signs. */
    private static final int MESSAGE_BYTES = 450;

    private SignatureRates() {
    }

    static Rate jca(Provider provider, Duration each) throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC", provider);
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair pair = generator.generateKeyPair();
        byte[] message = new byte[MESSAGE_BYTES];
        new SecureRandom().nextBytes(message);
        Signature signer = Signature.getInstance("SHA256withECDSA", provider);
        Signature verifier = Signature.getInstance("SHA256withECDSA", provider);
        signer.initSign(pair.getPrivate());
        signer.update(message);
        byte[] signature = signer.sign();
        verifier.initVerify(pair.getPublic());

        signLoop(signer, message, each.dividedBy(4));
        double sign = signLoop(signer, message, each);
        verifyLoop(verifier, message, signature, each.dividedBy(4));
        double verify = verifyLoop(verifier, message, signature, each);
        return new Rate("JCA " + provider.getName() + " " + provider.getVersionStr(), sign, verify);
    }

    private static double signLoop(Signature signer, byte[] message, Duration length) throws GeneralSecurityException {
        long start = System.nanoTime();
        long end = start + length.toNanos();
        long count = 0;
        long now;
        do {
            signer.update(message);
            signer.sign();
            count++;
            now = System.nanoTime();
        } while (now < end);
        return count * 1e9 / (now - start);
    }

    private static double verifyLoop(Signature verifier, byte[] message, byte[] signature, Duration length)
            throws GeneralSecurityException {
        long start = System.nanoTime();
        long end = start + length.toNanos();
        long count = 0;
        long now;
        do {
            verifier.update(message);
            if (!verifier.verify(signature)) {
                throw new IllegalStateException("a signature made a moment ago did not verify");
            }
            count++;
            now = System.nanoTime();
        } while (now < end);
        return count * 1e9 / (now - start);
    }

    /** {@code openssl speed -seconds N ecdsap256}; empty when openssl is missing or its output changed. */
    static Optional<Rate> openssl(int seconds) {
        try {
            Process process = new ProcessBuilder("openssl", "speed", "-seconds", String.valueOf(seconds), "ecdsap256")
                    .redirectErrorStream(true)
                    .start();
            String output = readAll(process.getInputStream());
            if (!process.waitFor(seconds * 4L + 30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return Optional.empty();
            }
            Matcher m = OPENSSL_LINE.matcher(output);
            if (!m.find()) {
                return Optional.empty();
            }
            String version = output.lines().filter(l -> l.startsWith("version:")).findFirst()
                    .map(l -> l.substring("version:".length()).strip()).orElse("");
            return Optional.of(new Rate(("openssl speed ecdsap256 " + version).strip(),
                    Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2))));
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toString(StandardCharsets.UTF_8);
    }
}
