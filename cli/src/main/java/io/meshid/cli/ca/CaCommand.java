package io.meshid.cli.ca;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.meshid.cli.CliException;
import io.meshid.cli.Converters;
import io.meshid.cli.Output;
import io.meshid.cli.ServerCommand;
import io.meshid.cli.ServerKind;
import io.meshid.cli.Session;
import io.meshid.cli.svid.Pems;
import io.meshid.proto.ca.v1.Authority;
import io.meshid.proto.ca.v1.AuthorityLevel;
import io.meshid.proto.ca.v1.CertificateAuthorityGrpc;
import io.meshid.proto.ca.v1.GetTrustBundleRequest;
import io.meshid.proto.ca.v1.IssuedCertificate;
import io.meshid.proto.ca.v1.ListIssuedRequest;
import io.meshid.proto.ca.v1.ListIssuedResponse;
import io.meshid.proto.ca.v1.RotateAuthorityRequest;
import io.meshid.proto.ca.v1.RotateAuthorityResponse;
import io.meshid.proto.common.v1.TrustBundle;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.util.Base64;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code meshctl ca bundle|rotate|issued}: cert-authority's CertificateAuthority service. */
@Command(name = "ca", description = "The certificate authority: trust bundle, rotation, issuance journal (cert-authority).",
        subcommands = {CaCommand.Bundle.class, CaCommand.Rotate.class, CaCommand.Issued.class})
public final class CaCommand {

    /** The formats of {@code ca bundle}. */
    enum BundleFormat { pem, spiffe }

    /** {@code ca bundle}. */
    @Command(name = "bundle", description = "Print the trust bundle: PEM (for openssl, curl, grpcurl) or SPIFFE bundle JSON.")
    static final class Bundle extends ServerCommand {
        @Option(names = "--format", paramLabel = "pem|spiffe", defaultValue = "pem",
                description = "pem (default) or spiffe (the SPIFFE trust bundle format, a JWK Set).")
        BundleFormat format;

        @Override
        protected int run(Session session, Output out) {
            TrustBundle bundle = session.call(ServerKind.CA, () -> session.stub(ServerKind.CA, CertificateAuthorityGrpc::newBlockingStub)
                    .getTrustBundle(GetTrustBundleRequest.newBuilder().setTrustDomain(session.trustDomain().name()).build()))
                    .getBundle();
            if (out.json() && format == BundleFormat.pem) {
                out.json(bundle);
            } else if (format == BundleFormat.spiffe) {
                out.line(spiffeJson(bundle).toString());
            } else {
                out.raw(Pems.certificates(bundle.getX509AuthoritiesList()));
            }
            return 0;
        }

        private static JsonObject spiffeJson(TrustBundle bundle) {
            JsonArray keys = new JsonArray();
            for (var der : bundle.getX509AuthoritiesList()) {
                X509Certificate cert = Pems.parse(der.toByteArray());
                JsonObject key = new JsonObject();
                key.addProperty("use", "x509-svid");
                if (cert.getPublicKey() instanceof ECPublicKey ec) {
                    int size = (ec.getParams().getCurve().getField().getFieldSize() + 7) / 8;
                    key.addProperty("kty", "EC");
                    key.addProperty("crv", size == 32 ? "P-256" : size == 48 ? "P-384" : "P-521");
                    key.addProperty("x", b64(ec.getW().getAffineX().toByteArray(), size));
                    key.addProperty("y", b64(ec.getW().getAffineY().toByteArray(), size));
                } else if (cert.getPublicKey() instanceof java.security.interfaces.RSAPublicKey rsa) {
                    key.addProperty("kty", "RSA");
                    key.addProperty("n", Base64.getUrlEncoder().withoutPadding().encodeToString(unsigned(rsa.getModulus().toByteArray())));
                    key.addProperty("e", Base64.getUrlEncoder().withoutPadding()
                            .encodeToString(unsigned(rsa.getPublicExponent().toByteArray())));
                }
                JsonArray x5c = new JsonArray();
                x5c.add(Base64.getEncoder().encodeToString(der.toByteArray()));
                key.add("x5c", x5c);
                keys.add(key);
            }
            JsonObject json = new JsonObject();
            json.add("keys", keys);
            json.addProperty("spiffe_sequence", bundle.getSequenceNumber());
            if (bundle.hasRefreshHint()) {
                json.addProperty("spiffe_refresh_hint", bundle.getRefreshHint().getSeconds());
            }
            return json;
        }

        private static String b64(byte[] value, int size) {
            byte[] fixed = new byte[size];
            byte[] trimmed = unsigned(value);
            System.arraycopy(trimmed, 0, fixed, size - trimmed.length, trimmed.length);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(fixed);
        }

        private static byte[] unsigned(byte[] value) {
            return value.length > 1 && value[0] == 0 ? java.util.Arrays.copyOfRange(value, 1, value.length) : value;
        }
    }

    /** {@code ca rotate}. */
    @Command(name = "rotate", description = "Rotate the trust domain's intermediate (default) or root now; --compromised "
            + "replaces both and cuts the old ones off.")
    static final class Rotate extends ServerCommand {
        @Option(names = "--level", paramLabel = "intermediate|root", defaultValue = "intermediate",
                description = "Which authority to rotate (default: ${DEFAULT-VALUE}).")
        String level;

        @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "Why, for the audit trail (1 to 512 characters).")
        String reason;

        @Option(names = "--compromised", description = "A key compromise: replace root and intermediate, drop the old ones from "
                + "the bundle after --cutoff-after.")
        boolean compromised;

        @Option(names = "--cutoff-after", paramLabel = "DURATION", converter = Converters.DurationOrZeroConverter.class,
                description = "With --compromised: how long the old authorities stay trusted (default 5m, at most 1h; 0: at once).")
        Duration cutoffAfter;

        @Override
        protected int run(Session session, Output out) {
            AuthorityLevel parsed = switch (level) {
                case "intermediate" -> AuthorityLevel.AUTHORITY_LEVEL_INTERMEDIATE;
                case "root" -> AuthorityLevel.AUTHORITY_LEVEL_ROOT;
                default -> throw CliException.usage("--level '" + level + "' (expected: intermediate or root)");
            };
            if (cutoffAfter != null && !compromised) {
                throw CliException.usage("--cutoff-after without --compromised (expected: both, or neither)");
            }
            RotateAuthorityRequest.Builder request = RotateAuthorityRequest.newBuilder().setTrustDomain(session.trustDomain().name())
                    .setLevel(parsed).setReason(reason).setCompromised(compromised);
            if (cutoffAfter != null) {
                request.setCutoffAfter(com.google.protobuf.Duration.newBuilder().setSeconds(cutoffAfter.getSeconds()));
            }
            RotateAuthorityResponse reply = session.call(ServerKind.CA,
                    () -> session.stub(ServerKind.CA, CertificateAuthorityGrpc::newBlockingStub).rotateAuthority(request.build()));
            if (out.json()) {
                out.json(reply);
                return 0;
            }
            Output.Table table = out.table("CHANGE", "AUTHORITY ID", "NOT BEFORE", "NOT AFTER");
            for (Authority a : reply.getActivatedList()) {
                table.row("activated", a.getAuthorityId(), Output.time(a.getNotBefore()), Output.time(a.getNotAfter()));
            }
            for (Authority a : reply.getRetiredList()) {
                table.row("retired", a.getAuthorityId(), Output.time(a.getNotBefore()), Output.time(a.getNotAfter()));
            }
            table.print();
            out.line("bundle sequence " + reply.getBundle().getSequenceNumber()
                    + (reply.hasCutoffAt() ? ", old authorities cut off at " + Output.time(reply.getCutoffAt()) : ""));
            return 0;
        }
    }

    /** {@code ca issued}. */
    @Command(name = "issued", description = "The issuance journal, newest first.")
    static final class Issued extends ServerCommand {
        @Option(names = "--spiffe-id", paramLabel = "ID", description = "Only certificates for this SPIFFE ID.")
        String spiffeId = "";

        @Option(names = "--serial", paramLabel = "HEX", description = "Only the certificate with this serial number.")
        String serial = "";

        @Option(names = "--limit", paramLabel = "N", defaultValue = "100", description = "At most N rows (default ${DEFAULT-VALUE}).")
        int limit;

        @Option(names = "--page-token", paramLabel = "TOKEN",
                description = "Go on from where an earlier --limit stopped: its JSON's next_page_token.")
        String pageToken = "";

        @Override
        protected int run(Session session, Output out) {
            if (limit < 1 || limit > 100_000) {
                throw CliException.usage("--limit " + limit + " (expected: between 1 and 100000)");
            }
            if (!serial.matches("[0-9A-Fa-f:]*")) {
                throw CliException.usage("--serial '" + serial + "' is not a serial number (expected: hexadecimal, such as 4f3a09…)");
            }
            ListIssuedResponse.Builder all = ListIssuedResponse.newBuilder();
            String token = pageToken;
            do {
                ListIssuedRequest request = ListIssuedRequest.newBuilder().setTrustDomain(session.trustDomain().name())
                        .setSpiffeId(spiffeId).setSerialNumber(serial).setPageSize(Math.min(1000, limit - all.getCertificatesCount()))
                        .setPageToken(token).build();
                ListIssuedResponse page = session.call(ServerKind.CA,
                        () -> session.stub(ServerKind.CA, CertificateAuthorityGrpc::newBlockingStub).listIssued(request));
                all.addAllCertificates(page.getCertificatesList());
                token = page.getNextPageToken();
            } while (!token.isEmpty() && all.getCertificatesCount() < limit);
            if (out.json()) {
                out.json(all.setNextPageToken(token));
                return 0;
            }
            Output.Table table = out.table("SERIAL", "SPIFFE ID", "NOT AFTER", "CALLER", "REVOKED");
            for (IssuedCertificate c : all.getCertificatesList()) {
                table.row(c.getSerialNumber(), c.getSpiffeId(), Output.time(c.getNotAfter()), c.getCaller(),
                        c.hasRevokedAt() ? Output.time(c.getRevokedAt()) : "no");
            }
            table.print();
            return 0;
        }
    }
}
