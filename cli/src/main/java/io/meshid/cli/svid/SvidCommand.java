package io.meshid.cli.svid;

import com.google.protobuf.ByteString;
import io.meshid.cli.CliException;
import io.meshid.cli.Output;
import io.meshid.cli.ServerCommand;
import io.meshid.cli.ServerKind;
import io.meshid.cli.Session;
import io.meshid.cli.Credentials;
import io.meshid.common.tls.Pem;
import io.meshid.common.tls.SvidSource;
import io.meshid.proto.common.v1.RevocationReason;
import io.meshid.proto.common.v1.TrustBundle;
import io.meshid.proto.common.v1.X509Svid;
import io.meshid.proto.identity.v1.AttestRequest;
import io.meshid.proto.identity.v1.IdentityServiceGrpc;
import io.meshid.proto.identity.v1.RegistryServiceGrpc;
import io.meshid.proto.identity.v1.RenewX509SvidRequest;
import io.meshid.proto.identity.v1.RevokeX509SvidRequest;
import io.meshid.proto.identity.v1.RevokeX509SvidResponse;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.List;
import java.util.Locale;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code meshctl svid fetch|revoke}: IdentityService.Attest and RenewX509Svid, RegistryService.RevokeX509Svid. */
@Command(name = "svid", description = "X.509-SVIDs for workloads without a sidecar, and their revocation (identity-server).",
        subcommands = {SvidCommand.Fetch.class, SvidCommand.Revoke.class})
public final class SvidCommand {

    /** How {@code svid fetch} proves who it is: exactly one. */
    static final class Evidence {
        @Option(names = "--join-token", paramLabel = "TOKEN", required = true,
                description = "Attest with this join token (from join-token create); authenticates the server with --bundle only.")
        String joinToken;

        @Option(names = "--renew", required = true, description = "Renew the SVID in --cert/--key over mutual TLS.")
        boolean renew;
    }

    /** {@code svid fetch}. */
    @Command(name = "fetch", description = "Make a key, attest (--join-token) or renew (--renew), and write cert.pem, key.pem "
            + "and bundle.pem into --out.")
    static final class Fetch extends ServerCommand {
        @ArgGroup(exclusive = true, multiplicity = "1")
        Evidence evidence;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where to write cert.pem, key.pem (mode 600) "
                + "and bundle.pem; made if missing.")
        Path out;

        @Option(names = "--spiffe-id", paramLabel = "ID", description = "With --join-token: the SPIFFE ID asked for (default: the entry's).")
        String spiffeId = "";

        @Override
        protected int run(Session session, Output output) {
            Path dir = cli.resolve(out);
            if (Files.exists(dir) && !Files.isDirectory(dir)) {
                throw CliException.usage("--out " + dir + ": not a directory (expected: a directory to write cert.pem, key.pem "
                        + "and bundle.pem into)");
            }
            KeyPair key = newKey();
            ByteString csr = csr(key);
            X509Svid svid;
            TrustBundle bundle;
            if (evidence.joinToken != null) {
                if (evidence.joinToken.isBlank() || evidence.joinToken.length() > 256) {
                    throw CliException.usage("--join-token: " + (evidence.joinToken.isBlank() ? "empty" : "longer than 256 characters")
                            + " (expected: the token join-token create printed)");
                }
                SvidSource bundleOnly = Credentials.bundleOnly(session.settings().bundle(), session.trustDomain());
                var reply = session.call(ServerKind.IDENTITY, () -> session.anonymousStub(ServerKind.IDENTITY, bundleOnly,
                        IdentityServiceGrpc::newBlockingStub).attest(AttestRequest.newBuilder().setJoinToken(evidence.joinToken)
                                .setCsr(csr).setSpiffeId(spiffeId).build()));
                svid = reply.getSvid();
                bundle = reply.getTrustBundle();
            } else {
                if (!spiffeId.isEmpty()) {
                    throw CliException.usage("--spiffe-id with --renew (expected: --renew keeps the SVID's own SPIFFE ID)");
                }
                var reply = session.call(ServerKind.IDENTITY, () -> session.stub(ServerKind.IDENTITY, IdentityServiceGrpc::newBlockingStub)
                        .renewX509Svid(RenewX509SvidRequest.newBuilder().setCsr(csr).build()));
                svid = reply.getSvid();
                bundle = reply.getTrustBundle();
            }
            try {
                Files.createDirectories(dir);
                write(dir.resolve("key.pem"), Pem.writePrivateKey(key.getPrivate()), true);
                write(dir.resolve("cert.pem"), Pems.certificates(svid.getCertChainList()), false);
                write(dir.resolve("bundle.pem"), Pems.certificates(bundle.getX509AuthoritiesList()), false);
            } catch (IOException e) {
                throw CliException.failed("cannot write the SVID into " + dir + ": " + e.getMessage()
                        + " (expected: a writable directory)");
            }
            if (output.json()) {
                output.json(svid);
            } else {
                output.fields(List.of(new String[] {"spiffe_id", svid.getSpiffeId()}, new String[] {"serial_number", svid.getSerialNumber()},
                        new String[] {"not_after", Output.time(svid.getNotAfter())}, new String[] {"written", dir + "/{cert,key,bundle}.pem"}));
            }
            return 0;
        }

        private static KeyPair newKey() {
            try {
                KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
                generator.initialize(new ECGenParameterSpec("secp256r1"));
                return generator.generateKeyPair();
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("cannot make an EC P-256 key: " + e.getMessage(), e);
            }
        }

        private static ByteString csr(KeyPair key) {
            try {
                return ByteString.copyFrom(new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=meshctl"), key.getPublic())
                        .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())).getEncoded());
            } catch (OperatorCreationException | IOException e) {
                throw new IllegalStateException("cannot make a CSR: " + e.getMessage(), e);
            }
        }

        /** Writes through a temporary file and a rename, so a reader never sees half a file; keys are 600 from the start. */
        private static void write(Path file, String text, boolean secret) throws IOException {
            Path temp = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(secret ? "rw-------" : "rw-r--r--")));
            try {
                Files.writeString(temp, text);
                try {
                    Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(temp);
            }
        }
    }

    /** {@code svid revoke SERIAL}. */
    @Command(name = "revoke", description = "Revoke an issued X.509-SVID (CRL, bundle push) and refuse its renewal.")
    static final class Revoke extends ServerCommand {
        @Parameters(index = "0", paramLabel = "SERIAL", description = "The certificate's serial number, in hex (ca issued shows it).")
        String serial;

        @Option(names = "--reason", required = true, paramLabel = "REASON", description = "key-compromise, ca-compromise, "
                + "affiliation-changed, superseded, cessation-of-operation or privilege-withdrawn.")
        String reason;

        @Option(names = "--comment", paramLabel = "TEXT", description = "Free text for the audit trail, at most 512 characters.")
        String comment = "";

        @Override
        protected int run(Session session, Output out) {
            RevocationReason parsed;
            try {
                parsed = RevocationReason.valueOf("REVOCATION_REASON_" + reason.toUpperCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                parsed = null;
            }
            if (parsed == null || parsed == RevocationReason.REVOCATION_REASON_UNSPECIFIED) {
                throw CliException.usage("--reason '" + reason + "' (expected: key-compromise, ca-compromise, affiliation-changed, "
                        + "superseded, cessation-of-operation or privilege-withdrawn)");
            }
            RevokeX509SvidRequest request = RevokeX509SvidRequest.newBuilder().setTrustDomain(session.trustDomain().name())
                    .setSerialNumber(serial).setReason(parsed).setComment(comment).build();
            RevokeX509SvidResponse reply = session.call(ServerKind.IDENTITY,
                    () -> session.stub(ServerKind.IDENTITY, RegistryServiceGrpc::newBlockingStub).revokeX509Svid(request));
            if (out.json()) {
                out.json(reply);
            } else {
                out.fields(List.of(new String[] {"revoked", serial}, new String[] {"spiffe_id", reply.getSpiffeId()},
                        new String[] {"revoked_at", Output.time(reply.getRevokedAt())},
                        new String[] {"bundle_sequence", String.valueOf(reply.getBundleSequenceNumber())}));
            }
            return 0;
        }
    }
}
