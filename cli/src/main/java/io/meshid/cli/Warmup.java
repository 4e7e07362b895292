package io.meshid.cli;

import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;

import io.netty.handler.ssl.util.BouncyCastleUtil;

/**
 * One-time set-up that every command pays for and that depends on nothing the command line says,
 * started on a second thread while the main thread parses the command line, reads credentials and
 * builds the TLS context (each command has one second: docs/benchmarks.md, meshctl start-up):
 * <ul>
 *   <li>the JDK's P-256 generator table: the first P-256 signature, verification or key of a JVM
 *       builds it from about sixty point multiplications ({@code ECOperations}'
 *       {@code Secp256R1GeneratorMontgomeryMultiplier}), 40 to 60 ms on these machines, and the TLS
 *       handshake needs it for the client's signature and the server's;</li>
 *   <li>Netty's look for BouncyCastle: on the first JDK TLS engine it wraps for ALPN
 *       ({@code BouncyCastleUtil.isBcJsseInUse}) it builds a BouncyCastle provider of its own
 *       (about 10 ms, during the handshake). The provider is built here through Netty's own call and
 *       never registered: a provider added to the JDK's list while a handshake picks its
 *       signature algorithms made the client send no certificate in one run of three.</li>
 * </ul>
 * Class initialisation is once per JVM and thread-safe, so whichever thread gets there first does
 * the work and the other waits for it; a failure here changes nothing (the work is done again
 * where it is needed, and fails there with a real error if it must).
 */
final class Warmup {

    private Warmup() {
    }

    /** Starts the warm-up on a daemon thread (it never holds the JVM open) and returns at once. */
    static void inBackground() {
        Thread.ofPlatform().daemon().name("meshctl-warmup").start(Warmup::run);
    }

    static void run() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            generator.generateKeyPair();
        } catch (GeneralSecurityException | RuntimeException ignored) {
            // only a warm-up: the handshake does the same work and reports a real failure itself
        }
        try {
            BouncyCastleUtil.isBcProvAvailable();
        } catch (RuntimeException | LinkageError ignored) {
            // only a warm-up: Netty looks again where it needs to
        }
    }
}
