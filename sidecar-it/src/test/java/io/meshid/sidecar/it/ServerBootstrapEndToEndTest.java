package io.meshid.sidecar.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.meshid.common.identity.AttestedSvidSource;
import io.meshid.common.identity.Evidence;
import io.meshid.common.identity.IdentityConfig;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.testing.ExternalServices;
import io.meshid.common.testing.RequiresPostgres;
import io.meshid.common.testing.RequiresRedis;
import io.meshid.common.tls.PemFileSvidSource;
import io.meshid.common.tls.TlsContexts;
import io.meshid.proto.ca.v1.CertificateAuthorityGrpc;
import io.meshid.proto.ca.v1.SignX509SvidRequest;
import io.meshid.proto.identity.v1.AttestRequest;
import io.meshid.proto.identity.v1.CreateEntryRequest;
import io.meshid.proto.identity.v1.CreateJoinTokenRequest;
import io.meshid.proto.identity.v1.IdentityServiceGrpc;
import io.meshid.proto.identity.v1.ListEntriesRequest;
import io.meshid.proto.identity.v1.RegistryServiceGrpc;
import io.meshid.proto.policy.v1.ListPolicyVersionsRequest;
import io.meshid.proto.policy.v1.PolicyAdminServiceGrpc;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.File;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.time.Instant;
import java.util.Collections;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17.1 as an operator does it, with real processes on PostgreSQL and Redis and meshid's own
 * tools only: from three empty schemas, the CA's bootstrap command mints the first admin and
 * single-use server join tokens; cert-authority starts; identity-server attests to it with its
 * join token and policy-server with a Kubernetes service account token the CA grants the
 * policy-server identity (both with the sidecar's client, {@link AttestedSvidSource})
 * and serve mutual TLS (the admin manages entries and policies, a workload attests through
 * identity-server, which signs at the CA with its attested SVID); a used token opens nothing; then,
 * with 40-second server SVIDs, both servers renew at half life without a restart, and the gRPC
 * ports and identity-server's HTTPS port present the new certificate. Last (issue 17.6), a second
 * identity-server replica on the same database is stopped with SIGTERM under load and started again:
 * no acknowledged write is lost and the other replica never refuses.
 */
@RequiresPostgres
@RequiresRedis
class ServerBootstrapEndToEndTest {

    private static final String DOMAIN = "bootstrap.test";
    private static final SpiffeId CA = SpiffeId.parse("spiffe://" + DOMAIN + "/meshid/cert-authority");
    private static final SpiffeId IDENTITY = SpiffeId.parse("spiffe://" + DOMAIN + "/meshid/identity-server");
    private static final SpiffeId POLICY = SpiffeId.parse("spiffe://" + DOMAIN + "/meshid/policy-server");
    private static final String K8S_ISSUER = "https://kubernetes.default.svc.cluster.local";

    @TempDir
    Path dir;

    private final List<Process> processes = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final List<AutoCloseable> closing = new ArrayList<>();
    private final List<String> schemas = new ArrayList<>();
    private final long started = System.nanoTime();

    /** Prints how long the test has run at each step (the class's time goes into the report). */
    private void step(String what) {
        System.out.printf("ServerBootstrapEndToEndTest: %5.1f s %s%n", (System.nanoTime() - started) / 1e9, what);
    }

    @AfterEach
    void stop() throws Exception {
        channels.forEach(ManagedChannel::shutdownNow);
        for (AutoCloseable c : closing.reversed()) {
            c.close();
        }
        for (Process p : processes.reversed()) {
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        try (Connection c = DriverManager.getConnection(ExternalServices.postgresUrl(), ExternalServices.postgresUser(), "");
                Statement s = c.createStatement()) {
            for (String schema : schemas) {
                s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        }
    }

    @Test
    void serversGetTheirIdentitiesFromTheCa_andRenewWithoutRestart() throws Exception {
        Path caKek = Files.writeString(dir.resolve("ca-kek"), "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=");
        Path idKek = Files.writeString(dir.resolve("id-kek"), "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=");
        List<String> ca = new ArrayList<>(database("ca"));
        ca.addAll(List.of("-Dmeshid.ca.key-encryption-key-file=" + caKek, "-Dmeshid.ca.bundle-endpoint.port=0",
                "-Dmeshid.ca.dns-name-suffixes=" + DOMAIN + "=localhost", "-Dmeshid.tls.server-names=localhost,127.0.0.1",
                // Short server SVIDs (issued 30 s back-dated, so half life is 5 s after issuance) to see renewals.
                "-Dmeshid.test.min-svid-ttl=PT30S", "-Dmeshid.test.server-svid-ttl=PT40S"));
        // policy-server attests with a Kubernetes service account token of cluster "test" (issue 17.1: a join
        // token or a service account token); the CA grants that account the policy-server identity.
        ECKey cluster = new ECKeyGenerator(Curve.P_256).keyID("test-cluster").generate();
        Path jwks = Files.writeString(dir.resolve("cluster-jwks.json"), new JWKSet(cluster.toPublicJWK()).toString());
        ca.addAll(List.of("-Dmeshid.ca.kubernetes.clusters.test.issuer=" + K8S_ISSUER,
                "-Dmeshid.ca.kubernetes.clusters.test.jwks-file=" + jwks,
                "-Dmeshid.ca.kubernetes.clusters.test.service-accounts=meshid:policy-server=" + POLICY.path()));
        Path admin = dir.resolve("admin");

        // 1. The CA starts on its empty schema while the bootstrap command, beside it with the same
        // configuration, mints the first admin and then the servers' join tokens (CA replicas and the
        // command share the database the same way: every first creation is locked in PostgreSQL).
        CompletableFuture<String> caGrpc = CompletableFuture.supplyAsync(() -> start("cert-authority", ca));
        Command first = command("cert-authority", ca, "bootstrap", "admin", "--out", admin.toString());
        assertThat(first.exit()).as(first.output()).isZero();
        assertThat(Files.getPosixFilePermissions(admin.resolve("key.pem")).toString()).isEqualTo("[OWNER_READ, OWNER_WRITE]");
        step("first admin minted");
        // 2. (That a second first admin is refused, and tampered tokens too, ServerIdentitiesTest shows
        // in-process: each command run costs a JVM start.)
        Command tokens = command("cert-authority", ca, "bootstrap", "server-token", "--spiffe-id", IDENTITY.toString(), "--out",
                dir.resolve("identity.token").toString(),
                // A second identity-server replica, and the same replica started again (a token is single use).
                "--spiffe-id", IDENTITY.toString(), "--out", dir.resolve("identity-2.token").toString(),
                "--spiffe-id", IDENTITY.toString(), "--out", dir.resolve("identity-3.token").toString());
        assertThat(tokens.exit()).as(tokens.output()).isZero();
        String caAddress = caGrpc.get(90, TimeUnit.SECONDS);
        step("CA started, tokens made");
        // 3. identity-server and policy-server attest to the CA with their tokens.
        List<String> attest = List.of("-Dmeshid.tls.attest.ca-address=" + caAddress,
                "-Dmeshid.tls.attest.bootstrap-bundle-file=" + admin.resolve("bundle.pem"), "-Dmeshid.revocation.ca-address=" + caAddress);
        List<String> id = new ArrayList<>(database("id"));
        id.addAll(attest);
        id.addAll(List.of("-Dmeshid.tls.attest.join-token-file=" + dir.resolve("identity.token"),
                "-Dmeshid.identity.ca-address=" + caAddress, "-Dmeshid.identity.key-encryption-key-file=" + idKek));
        List<String> pol = new ArrayList<>(database("pol"));
        pol.addAll(attest);
        Path serviceAccountToken = Files.writeString(dir.resolve("policy-server.sa-token"), serviceAccountToken(cluster, "meshid", "policy-server"));
        pol.addAll(List.of("-Dmeshid.tls.attest.kubernetes-token-file=" + serviceAccountToken,
                "-Dmeshid.tls.attest.kubernetes-cluster=test"));
        CompletableFuture<String> policyGrpc = CompletableFuture.supplyAsync(() -> start("policy-server", pol));
        String identityGrpc = start("identity-server", id);
        String policyAddress = policyGrpc.get(90, TimeUnit.SECONDS);
        String identityHttps = field(dir.resolve("identity-server.json"), "http");

        step("identity-server and policy-server attested and ready");
        // 4. They serve mutual TLS as themselves: the bootstrap admin manages entries and policies...
        PemFileSvidSource adminSvid = new PemFileSvidSource(admin.resolve("cert.pem"), admin.resolve("key.pem"),
                admin.resolve("bundle.pem"), java.time.Duration.ofSeconds(5));
        closing.add(adminSvid);
        var registry = RegistryServiceGrpc.newBlockingStub(channel(identityGrpc, IDENTITY, adminSvid)).withDeadlineAfter(30, TimeUnit.SECONDS);
        var entry = registry.createEntry(CreateEntryRequest.newBuilder().setSpiffeId("spiffe://" + DOMAIN + "/ns/demo/sa/api").build()).getEntry();
        assertThat(registry.listEntries(ListEntriesRequest.newBuilder().setTrustDomain(DOMAIN).build()).getEntriesList()).hasSize(1);
        PolicyAdminServiceGrpc.newBlockingStub(channel(policyAddress, POLICY, adminSvid)).withDeadlineAfter(30, TimeUnit.SECONDS)
                .listPolicyVersions(ListPolicyVersionsRequest.newBuilder().setTrustDomain(DOMAIN).build());
        // ...and a workload attests through identity-server, which has the CA sign with its attested SVID.
        String token = registry.createJoinToken(CreateJoinTokenRequest.newBuilder().setEntryId(entry.getId()).build()).getToken();
        AttestedSvidSource workload = AttestedSvidSource.start(IdentityConfig.of(identityGrpc, IDENTITY, caAddress, CA,
                admin.resolve("bundle.pem"), new Evidence.JoinToken(token)));
        closing.add(workload);
        assertThat(workload.svid().spiffeId().toString()).isEqualTo("spiffe://" + DOMAIN + "/ns/demo/sa/api");

        step("admin calls and a workload attestation done");
        // 5. The attacker's tries: a used server token, and an anonymous SignX509Svid.
        ManagedChannel anonymous = anonymousChannel(caAddress);
        String used = Files.readString(dir.resolve("identity.token")).strip();
        assertThatThrownBy(() -> IdentityServiceGrpc.newBlockingStub(anonymous).withDeadlineAfter(30, TimeUnit.SECONDS)
                .attest(AttestRequest.newBuilder().setJoinToken(used).setCsr(csr()).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
        assertThatThrownBy(() -> CertificateAuthorityGrpc.newBlockingStub(anonymous).withDeadlineAfter(30, TimeUnit.SECONDS)
                .signX509Svid(SignX509SvidRequest.newBuilder().setSpiffeId(IDENTITY.toString()).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));

        step("attacks refused");
        // 6. Renewal at half life, no restart: every port presents a new certificate of the same identity.
        X509Certificate idGrpcBefore = serverLeaf(identityGrpc);
        X509Certificate httpsBefore = serverLeaf(identityHttps);
        X509Certificate polBefore = serverLeaf(policyAddress);
        assertThat(uri(httpsBefore)).isEqualTo(IDENTITY.toString());
        assertThat(uri(polBefore)).isEqualTo(POLICY.toString());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (serverLeaf(identityHttps).getSerialNumber().equals(httpsBefore.getSerialNumber())
                || serverLeaf(policyAddress).getSerialNumber().equals(polBefore.getSerialNumber())) {
            assertThat(System.nanoTime()).as("no renewal within 30 s; logs:\n" + log("identity-server") + log("policy-server")).isLessThan(deadline);
            TimeUnit.MILLISECONDS.sleep(250);
        }
        assertThat(processes).allMatch(Process::isAlive);
        X509Certificate httpsAfter = serverLeaf(identityHttps);
        assertThat(uri(httpsAfter)).isEqualTo(IDENTITY.toString());
        assertThat(httpsAfter.getNotAfter()).isAfter(httpsBefore.getNotAfter());
        assertThat(serverLeaf(identityGrpc).getSerialNumber()).isNotEqualTo(idGrpcBefore.getSerialNumber());
        assertThat(uri(serverLeaf(policyAddress))).isEqualTo(POLICY.toString());
        // Still serving over the renewed identities.
        assertThat(registry.listEntries(ListEntriesRequest.newBuilder().setTrustDomain(DOMAIN).build()).getEntriesList()).hasSize(1);
        assertThat(log("identity-server")).contains("renewed spiffe:");
        step("renewed, still serving");
        // 7. A second replica on the same database, stopped with SIGTERM under load, and started again.
        replicaStoppedUnderLoad(id, registry, adminSvid);
        step("replica stopped with SIGTERM under load and started again");
    }

    /**
     * Promise: a replica stopped with SIGTERM under load loses no acknowledged write (every entry
     * whose CreateEntry returned OK, on either replica, is in the database), the replica that stays
     * never refuses, the stopping one refuses only with {@code UNAVAILABLE} (clients retry
     * elsewhere), it exits within 15 s, and it serves again once started anew (with a new token:
     * its key lived in memory only).
     */
    private void replicaStoppedUnderLoad(List<String> options, RegistryServiceGrpc.RegistryServiceBlockingStub first,
            PemFileSvidSource admin) throws Exception {
        String secondAddress = start("identity-server", "identity-server-2", withToken(options, "identity-2.token"));
        Process second;
        synchronized (processes) {
            second = processes.getLast();
        }
        var other = RegistryServiceGrpc.newBlockingStub(channel(secondAddress, IDENTITY, admin));
        List<String> acknowledged = Collections.synchronizedList(new ArrayList<>());
        List<Status.Code> firstRefusals = Collections.synchronizedList(new ArrayList<>());
        List<Status.Code> secondRefusals = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger names = new AtomicInteger();
        ExecutorService load = Executors.newFixedThreadPool(4);
        List<Future<?>> callers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            boolean toSecond = t % 2 == 1;
            callers.add(load.submit(() -> {
                while (running.get()) {
                    String spiffeId = "spiffe://" + DOMAIN + "/load/" + names.incrementAndGet();
                    try {
                        (toSecond ? other : first).withDeadlineAfter(10, TimeUnit.SECONDS)
                                .createEntry(CreateEntryRequest.newBuilder().setSpiffeId(spiffeId).build());
                        acknowledged.add(spiffeId);
                    } catch (StatusRuntimeException e) {
                        (toSecond ? secondRefusals : firstRefusals).add(e.getStatus().getCode());
                        TimeUnit.MILLISECONDS.sleep(20);
                    }
                }
                return null;
            }));
        }
        TimeUnit.MILLISECONDS.sleep(1_500);
        int beforeStop = acknowledged.size();
        second.destroy(); // SIGTERM
        assertThat(second.waitFor(15, TimeUnit.SECONDS)).as("the replica exits within 15 s of SIGTERM").isTrue();
        TimeUnit.MILLISECONDS.sleep(1_000);
        running.set(false);
        for (Future<?> caller : callers) {
            caller.get(30, TimeUnit.SECONDS);
        }
        load.shutdown();

        assertThat(beforeStop).as("entries created before the stop").isPositive();
        assertThat(firstRefusals).as("refusals of the replica that stayed").isEmpty();
        assertThat(secondRefusals).as("refusals of the stopped replica").isNotEmpty().allMatch(Status.Code.UNAVAILABLE::equals);
        List<String> stored = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(ExternalServices.postgresUrl(), ExternalServices.postgresUser(), "");
                Statement s = c.createStatement();
                java.sql.ResultSet rs = s.executeQuery("SELECT spiffe_id FROM " + schemas.stream().filter(n -> n.startsWith("boot_id_"))
                        .findFirst().orElseThrow() + ".id_entry")) {
            while (rs.next()) {
                stored.add(rs.getString(1));
            }
        }
        assertThat(stored).as("every acknowledged entry is stored").containsAll(acknowledged);

        String againAddress = start("identity-server", "identity-server-3", withToken(options, "identity-3.token"));
        var again = RegistryServiceGrpc.newBlockingStub(channel(againAddress, IDENTITY, admin)).withDeadlineAfter(30, TimeUnit.SECONDS);
        assertThat(again.createEntry(CreateEntryRequest.newBuilder().setSpiffeId("spiffe://" + DOMAIN + "/after-restart").build())
                .getEntry().getSpiffeId()).isEqualTo("spiffe://" + DOMAIN + "/after-restart");
    }

    /**
     * A projected service account token of the test cluster as the kubelet writes it for a pod of
     * {@code namespace}/{@code account}, with the CA's SPIFFE ID as its only audience.
     */
    private static String serviceAccountToken(ECKey cluster, String namespace, String account) throws JOSEException {
        Instant now = Instant.now();
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(K8S_ISSUER).audience(List.of(CA.toString()))
                .subject("system:serviceaccount:" + namespace + ":" + account).issueTime(Date.from(now)).notBeforeTime(Date.from(now))
                .expirationTime(Date.from(now.plus(java.time.Duration.ofHours(1))))
                .claim("kubernetes.io", Map.of("namespace", namespace,
                        "pod", Map.of("name", account + "-7d9f", "uid", UUID.randomUUID().toString()),
                        "serviceaccount", Map.of("name", account, "uid", UUID.randomUUID().toString())))
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(cluster.getKeyID()).build(), claims);
        jwt.sign(new ECDSASigner(cluster));
        return jwt.serialize();
    }

    /** {@code options} with the join-token file replaced by {@code token} (in the test's directory). */
    private List<String> withToken(List<String> options, String token) {
        return options.stream().map(o -> o.startsWith("-Dmeshid.tls.attest.join-token-file=")
                ? "-Dmeshid.tls.attest.join-token-file=" + dir.resolve(token) : o).toList();
    }

    /** JVM options that point a server at a new, empty schema of the test PostgreSQL and at the test Redis. */
    private List<String> database(String name) throws Exception {
        String schema = ("boot_" + name + "_" + UUID.randomUUID().toString().replace("-", "")).toLowerCase(Locale.ROOT);
        try (Connection c = DriverManager.getConnection(ExternalServices.postgresUrl(), ExternalServices.postgresUser(), "");
                Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        }
        schemas.add(schema);
        String base = ExternalServices.postgresUrl();
        return List.of("-Dmeshid.database.url=" + base + (base.contains("?") ? "&" : "?") + "currentSchema=" + schema,
                "-Dmeshid.database.username=" + ExternalServices.postgresUser(), "-Dmeshid.redis.uri=" + ExternalServices.redisUri());
    }

    private record Command(int exit, String output) {
    }

    /** Runs {@code server}'s jar with {@code args} (the bootstrap command) to its end. */
    private Command command(String server, List<String> options, String... args) throws IOException, InterruptedException {
        List<String> cmd = java(options);
        cmd.addAll(List.of("-jar", jar(server).toString()));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "command-", ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("bootstrap " + List.of(args) + " did not end in 90 s:\n" + Files.readString(out));
        }
        return new Command(p.exitValue(), Files.readString(out));
    }

    /** Starts {@code server}'s jar; waits for its ready file; returns its gRPC address. */
    private String start(String server, List<String> options) {
        return start(server, server, options);
    }

    /** As {@link #start(String, List)}, for one more process of {@code server}, whose ready file and log are named {@code name}. */
    private String start(String server, String name, List<String> options) {
        try {
            Path ready = dir.resolve(name + ".json");
            List<String> cmd = java(options);
            cmd.addAll(List.of("-Dmeshid.server.ready-file=" + ready, "-Dmicronaut.server.port=-1", "-Dgrpc.server.port=0",
                    "-jar", jar(server).toString()));
            Process process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile()).start();
            synchronized (processes) {
                processes.add(process);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!(Files.exists(ready) && Files.size(ready) > 0)) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    // The CA's side of a refused attestation is in its log (the audit row names the token's fingerprint).
                    String ca = name.equals("cert-authority") ? "" : tail(log("cert-authority"), 6_000);
                    throw new IllegalStateException(String.join(System.lineSeparator(), name + " did not start; its log:", log(name), ca));
                }
                TimeUnit.MILLISECONDS.sleep(100);
            }
            return field(ready, "grpc");
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private List<String> java(List<String> options) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED", "-Dmeshid.data-dir=" + dir,
                "-Dmeshid.trust-domain=" + DOMAIN));
        cmd.addAll(options);
        return cmd;
    }

    private static String field(Path readyFile, String name) throws IOException {
        Matcher m = Pattern.compile("\"" + name + "\": ?\"([^\"]+)\"").matcher(Files.readString(readyFile));
        if (!m.find()) {
            throw new IllegalStateException(readyFile + " names no " + name + ": " + Files.readString(readyFile));
        }
        String value = m.group(1);
        return value.contains("://") ? URI.create(value).getAuthority() : value;
    }

    private ManagedChannel channel(String address, SpiffeId server, PemFileSvidSource svid) {
        int colon = address.lastIndexOf(':');
        ManagedChannel c = NettyChannelBuilder.forAddress(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)))
                .sslContext(TlsContexts.grpcClient(svid, server::equals)).build();
        channels.add(c);
        return c;
    }

    /** TLS without a client certificate, trusting any server: what anyone on the network can open. */
    private ManagedChannel anonymousChannel(String address) throws IOException {
        int colon = address.lastIndexOf(':');
        ManagedChannel c = NettyChannelBuilder.forAddress(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)))
                .sslContext(GrpcSslContexts.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build()).build();
        channels.add(c);
        return c;
    }

    /** The certificate the TLS port at {@code address} presents now, to a new connection (read only; the calls above verify). */
    private static X509Certificate serverLeaf(String address) throws Exception {
        int colon = address.lastIndexOf(':');
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket(address.substring(0, colon),
                Integer.parseInt(address.substring(colon + 1)))) {
            socket.setSoTimeout(10_000);
            socket.startHandshake();
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }

    /** A valid CSR for a fresh P-256 key. */
    private static com.google.protobuf.ByteString csr() throws Exception {
        var generator = java.security.KeyPairGenerator.getInstance("EC");
        generator.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
        var key = generator.generateKeyPair();
        return com.google.protobuf.ByteString.copyFrom(new org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder(
                new org.bouncycastle.asn1.x500.X500Name("CN=attacker"), key.getPublic())
                .build(new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())).getEncoded());
    }

    private static String uri(X509Certificate leaf) throws Exception {
        for (List<?> san : leaf.getSubjectAlternativeNames()) {
            if (Integer.valueOf(6).equals(san.get(0))) {
                return (String) san.get(1);
            }
        }
        return "";
    }

    private static String tail(String text, int chars) {
        return text.length() <= chars ? text : String.join(System.lineSeparator(), "(its last " + chars + " characters)",
                text.substring(text.length() - chars));
    }

    private String log(String server) {
        try {
            return "\n--- " + server + " ---\n" + Files.readString(dir.resolve(server + ".log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log of " + server + ")";
        }
    }

    /** {@code server}'s jar that the reactor built before this module, with its lib/ beside it. */
    private static Path jar(String server) {
        File target = Path.of("..", server, "target").toFile();
        File[] jars = target.listFiles((d, n) -> n.startsWith("meshid-" + server + "-") && n.endsWith(".jar") && !n.contains("tests"));
        if (jars == null || jars.length == 0 || !new File(target, "lib").isDirectory()) {
            throw new IllegalStateException(target.getAbsolutePath() + " has no jar and lib/: build with "
                    + "./mvnw -pl sidecar-it -am verify (the servers are packaged before these tests)");
        }
        return jars[0].toPath().toAbsolutePath();
    }
}
