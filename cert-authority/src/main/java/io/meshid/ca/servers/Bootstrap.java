package io.meshid.ca.servers;

import io.meshid.ca.authority.AuthorityManager;
import io.meshid.ca.bundle.TrustBundle;
import io.meshid.common.audit.AuditEvent;
import io.meshid.common.audit.AuditLog;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.server.MeshidConfig;
import io.meshid.common.spiffe.InvalidSpiffeIdException;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.tls.Pem;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.Micronaut;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The bootstrap command, run beside the CA with the CA's own configuration (its database and its
 * key-encryption key: {@code MESHID_DATABASE_URL}, {@code MESHID_CA_KEY_ENCRYPTION_KEY_FILE},
 * {@code MESHID_TRUST_DOMAIN}, ...), as {@code spire-server token generate} and {@code x509 mint}
 * run beside SPIRE's server. It opens no port: only someone who holds the CA's key-encryption key
 * (and so could unseal the CA's keys anyway) can run it.
 *
 * <pre>
 * java -jar meshid-cert-authority.jar bootstrap admin --out DIR [--ttl PT1H] [--again]
 * java -jar meshid-cert-authority.jar bootstrap server-token --spiffe-id ID --out FILE [--spiffe-id ID --out FILE ...] [--ttl PT10M]
 * java -jar meshid-cert-authority.jar bootstrap bundle --out FILE
 * </pre>
 *
 * <p>{@code admin} writes the first admin's {@code cert.pem}, {@code key.pem} (owner-only) and
 * {@code bundle.pem} under DIR, once per trust domain ({@link FirstAdmin}); {@code server-token}
 * writes single-use join tokens (owner-only files) with which identity-server or policy-server
 * attests to the CA ({@link ServerIdentities}); {@code bundle} writes the trust bundle (PEM) the
 * servers verify the CA with before they hold an SVID. Every run is audited. Exit codes: 0 done,
 * 1 refused or failed, 2 usage. Not thread-safe; one run per process.
 */
public final class Bootstrap {

    static final String USAGE = """
            usage: bootstrap admin --out DIR [--ttl PT1H] [--again]
                   bootstrap server-token --spiffe-id ID --out FILE [--spiffe-id ID --out FILE ...] [--ttl PT10M]
                   bootstrap bundle --out FILE
            Run beside cert-authority with its configuration (database, key-encryption key, trust domain).""";

    private Bootstrap() {
    }

    /** Runs the command with {@code args} (after the word {@code bootstrap}) and exits with its code. */
    public static void main(Class<?> application, String[] args) {
        System.exit(run(application, args, System.out, System.err));
    }

    static int run(Class<?> application, String[] args, PrintStream out, PrintStream err) {
        String command = args.length > 0 ? args[0] : "";
        if (!List.of("admin", "server-token", "bundle").contains(command)) {
            return usage(err, "unknown command '" + command + "' (expected: admin, server-token, bundle)");
        }
        List<String> ids = new ArrayList<>();
        List<Path> outs = new ArrayList<>();
        String ttlText = command.equals("admin") ? "PT1H" : "PT10M";
        boolean again = false;
        for (int i = 1; i < args.length; i++) {
            String option = args[i];
            if (option.equals("--again") && command.equals("admin")) {
                again = true;
                continue;
            }
            if (!List.of("--out", "--ttl", "--spiffe-id").contains(option)) {
                return usage(err, "unknown option '" + option + "'");
            }
            if (i + 1 >= args.length) {
                return usage(err, option + " needs a value");
            }
            String value = args[++i];
            switch (option) {
                case "--out" -> outs.add(Path.of(value));
                case "--ttl" -> ttlText = value;
                default -> ids.add(value);
            }
        }
        boolean tokens = command.equals("server-token");
        if (outs.isEmpty() || (tokens ? ids.size() != outs.size() : outs.size() != 1 || !ids.isEmpty())) {
            return usage(err, command + ": " + ids.size() + " --spiffe-id and " + outs.size() + " --out (expected: "
                    + (tokens ? "one --out FILE after each --spiffe-id ID" : "one --out and no --spiffe-id") + ")");
        }
        Duration ttl;
        try {
            ttl = Duration.parse(ttlText);
        } catch (DateTimeParseException e) {
            return usage(err, "--ttl: '" + ttlText + "' (expected: an ISO-8601 duration such as PT10M)");
        }
        List<SpiffeId> serverIds = new ArrayList<>();
        for (String id : ids) {
            try {
                serverIds.add(SpiffeId.parse(id));
            } catch (InvalidSpiffeIdException e) {
                return usage(err, "--spiffe-id: " + e.getMessage());
            }
        }
        // The CA's beans without its servers: no port is opened, no ready file written.
        try (ApplicationContext context = Micronaut.build(new String[0]).mainClass(application).banner(false)
                .properties(Map.of("meshid.ca.bundle-endpoint.enabled", "false")).build().start()) {
            String operator = "bootstrap command (" + System.getProperty("user.name", "unknown") + ")";
            TrustDomain home = context.getBean(MeshidConfig.class).getTrustDomain();
            switch (command) {
                case "admin" -> {
                    FirstAdmin.Minted minted = context.getBean(FirstAdmin.class).mint(ttl, again, operator);
                    Path dir = outs.getFirst();
                    write(dir.resolve("key.pem"), Pem.writePrivateKey(minted.svid().privateKey()), true);
                    write(dir.resolve("cert.pem"), Pem.writeCertificates(minted.svid().chain()), false);
                    write(dir.resolve("bundle.pem"), bundlePem(minted.bundle()), false);
                    out.println("bootstrap: wrote the first admin " + minted.svid().spiffeId() + " (valid until "
                            + minted.svid().notAfter() + ") to " + dir);
                }
                case "server-token" -> {
                    ServerIdentities servers = context.getBean(ServerIdentities.class);
                    for (SpiffeId id : serverIds) {
                        servers.requireServerIdentity("--spiffe-id", id);
                    }
                    AuditLog audit = context.getBean(AuditLog.class);
                    Clock clock = context.getBean(Clock.class);
                    for (int i = 0; i < serverIds.size(); i++) {
                        SpiffeId id = serverIds.get(i);
                        String token = servers.createToken(id, ttl);
                        write(outs.get(i), token + "\n", true);
                        audit.record(AuditEvent.of(clock.instant(), home.name(), operator, "ca.bootstrap.server-token", id.toString(),
                                AuditEvent.Outcome.SUCCESS, "token sha256 " + ServerTokens.sha256(token).substring(0, 16)
                                        + "..., valid for " + ttl, ""));
                        out.println("bootstrap: wrote a single-use join token for " + id + " (valid for " + ttl + ") to " + outs.get(i));
                    }
                }
                default -> {
                    AuthorityManager authorities = context.getBean(AuthorityManager.class);
                    authorities.ensure(home);
                    write(outs.getFirst(), bundlePem(authorities.bundle(home)), false);
                    out.println("bootstrap: wrote the trust bundle of " + home + " to " + outs.getFirst());
                }
            }
            return 0;
        } catch (MeshidException e) {
            err.println("bootstrap " + command + ": refused: " + e.getMessage());
            return 1;
        } catch (IOException | RuntimeException e) {
            err.println("bootstrap " + command + ": failed: " + e);
            return 1;
        }
    }

    private static String bundlePem(TrustBundle bundle) {
        return Pem.writeCertificates(bundle.authorities());
    }

    private static int usage(PrintStream err, String problem) {
        err.println("bootstrap: " + problem);
        err.println(USAGE);
        return 2;
    }

    private static void write(Path file, String content, boolean secret) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(dir, ".tmp-", ".pem");
        if (secret) {
            Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
        }
        Files.writeString(temp, content, StandardCharsets.UTF_8);
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
