package io.meshid.identity.bench;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.meshid.common.bench.ClientTransport;
import io.meshid.common.bench.ClosedLoop;
import io.meshid.common.testing.OwnRedis;
import io.meshid.common.testing.TestDatabase;
import io.meshid.common.tls.PemFileSvidSource;
import io.meshid.identity.testing.CaProcess;
import io.meshid.proto.identity.v1.AttestRequest;
import io.meshid.proto.identity.v1.ExchangeTokenRequest;
import io.meshid.proto.identity.v1.IdentityServiceGrpc;
import io.meshid.proto.identity.v1.IdentityServiceGrpc.IdentityServiceStub;
import io.meshid.proto.identity.v1.MintJwtSvidRequest;
import io.meshid.proto.identity.v1.RenewX509SvidRequest;
import io.micronaut.context.ApplicationContext;
import io.micronaut.grpc.server.GrpcEmbeddedServer;
import io.micronaut.runtime.server.EmbeddedServer;
import io.netty.channel.EventLoopGroup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The token benchmark (docs/benchmarks.md, "Tokens and attestation"): the real cert-authority as
 * its own process, identity-server in this JVM over mutual TLS (its database in the local
 * PostgreSQL, or H2), and a load client with one persistent mTLS channel per workload (each
 * workload attested once, with its own SVID). Closed loops, as the CA's issuance benchmark, for
 * {@code MintJwtSvid}, {@code ExchangeToken} (a JWT-SVID issued to the caller, exchanged for
 * another audience), {@code Attest} with join tokens and {@code RenewX509Svid}, the last two
 * through the real CA. Not a unit test: run it with {@code identity-server/bench/run-tokens.sh}.
 * Traffic stays on 127.0.0.1; every phase is bounded in time.
 *
 * <p>Both shared-store modes run in one command, each with its own identity-server and database:
 * the in-process store and Redis (a redis-server of the benchmark's own, so that its CPU is the
 * benchmark's alone), both up for the whole run, their windows alternating rpc by rpc (and, with
 * {@code bench.rounds} above 1, round by round, the order reversed every other round), so that
 * both are measured in the same minutes and the same state of this JVM; the report puts them
 * side by side, with the mean over rounds ({@code bench.modes}, {@code in-process,redis};
 * {@code bench.redis=true} alone means {@code redis}).
 *
 * <p>System properties: {@code bench.rpcs} (mint,exchange,attest,renew; also validate), {@code bench.concurrency}
 * (calls in flight, comma-separated levels; 16,64), {@code bench.workloads} (workloads and
 * mTLS channels, 8), {@code bench.duration} (seconds per level, 20), {@code bench.warmup} (seconds
 * before the first level of each rpc, 30; 2 before the others), {@code bench.maxCalls}
 * (2,000,000), {@code bench.subjects} (JWT-SVIDs per workload that ExchangeToken exchanges in turn, 1),
 * {@code bench.joinTokens} (made before the Attest load, 6000), {@code bench.renewCsrs} (fresh
 * keys made before the RenewX509Svid load, 8000), {@code bench.db}
 * ({@code postgres}: identity-server and the CA each in their own schema of the local PostgreSQL;
 * or {@code h2}), {@code bench.modes} (in-process,redis), {@code bench.rounds} (windows per mode,
 * rpc and level, alternating, 1), {@code bench.caJvmOptions} (extra JVM options of the CA process, space-separated),
 * {@code bench.out}.
 */
public final class TokenBenchmark {

    private static final Duration DEADLINE = Duration.ofSeconds(10);
    /** The application name prefix of this benchmark's PostgreSQL connections. */
    private static final String BACKENDS = "meshid-bench-" + ProcessHandle.current().pid();

    private TokenBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        List<String> rpcs = list("bench.rpcs", "mint,exchange,attest,renew");
        List<Integer> levels = list("bench.concurrency", "16,64").stream().map(Integer::parseInt).toList();
        int workloads = Integer.getInteger("bench.workloads", 8);
        Duration duration = Duration.ofSeconds(Integer.getInteger("bench.duration", 20));
        Duration warmup = Duration.ofSeconds(Integer.getInteger("bench.warmup", 30));
        long maxCalls = Long.getLong("bench.maxCalls", 2_000_000L);
        boolean postgres = !"h2".equalsIgnoreCase(System.getProperty("bench.db", "postgres"));
        // bench.redis=true (the older switch) means the Redis mode alone.
        List<String> modes = list("bench.modes", Boolean.getBoolean("bench.redis") ? "redis" : "in-process,redis");
        for (String mode : modes) {
            if (!mode.equals("in-process") && !mode.equals("redis")) {
                throw new IllegalArgumentException("bench.modes: '" + mode + "' (expected: in-process, redis)");
            }
        }
        Path out = Path.of(System.getProperty("bench.out", "target/bench"));
        Files.createDirectories(out);
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path dir = Files.createTempDirectory(out, "run-");

        int rounds = Integer.getInteger("bench.rounds", 1);
        if (rounds < 1 || rounds > 20) {
            throw new IllegalArgumentException("bench.rounds: " + rounds + " (expected: 1 to 20)");
        }

        log("starting cert-authority (own process, journal in " + (postgres ? "PostgreSQL" : "H2") + ")");
        List<TokenReport> reports = new ArrayList<>();
        try (TestDatabase caDb = postgres ? TestDatabase.postgres() : null;
                CaProcess ca = CaProcess.start(dir, Workloads.DOMAIN, caJvmOptions(caDb))) {
            // Every mode's server is up for the whole run, and their windows alternate (in-process, Redis; then
            // Redis, in-process in the next round): each rpc is measured in both modes in the same minutes and
            // the same state of this JVM (its JIT, its heap), so neither mode pays for going first.
            List<ModeServer> servers = new ArrayList<>();
            try {
                for (String mode : modes) {
                    servers.add(ModeServer.start(ca, mode.equals("redis"), postgres, workloads));
                }
                for (String rpc : rpcs) {
                    boolean first = true;
                    for (int level : levels) {
                        for (int round = 1; round <= rounds; round++) {
                            List<ModeServer> order = round % 2 == 1 ? servers : servers.reversed();
                            for (ModeServer server : order) {
                                Duration wu = first ? warmup : Duration.ofSeconds(2);
                                String name = rounds == 1 ? null : "round " + round;
                                log(rpc + " (" + server.store + (name == null ? "" : ", " + name) + "): " + level + " in flight, "
                                        + duration.toSeconds() + " s after " + wu.toSeconds() + " s warm-up");
                                server.run(ca, rpc, name, level, wu, duration, maxCalls);
                            }
                            first = false;
                        }
                    }
                }
            } finally {
                for (ModeServer server : servers.reversed()) {
                    server.close();
                }
            }
            servers.forEach(server -> reports.add(server.report));
        }
        String markdown = TokenReport.sideBySide(reports) + "\n" + String.join("\n", reports.stream().map(TokenReport::markdown).toList());
        Path file = out.resolve("tokens-" + stamp + ".md");
        Files.writeString(file, markdown);
        System.out.println();
        System.out.println(markdown);
        log("report written to " + file.toAbsolutePath());
        System.exit(0);
    }

    /**
     * One shared-store mode: its own identity-server (in this JVM), database and, for Redis, its own
     * redis-server (whose CPU is this benchmark's alone), with the workloads attested to it and the
     * report of its windows. Up from {@link #start} to {@link #close}.
     */
    private static final class ModeServer implements AutoCloseable {

        private final TestDatabase db;
        private final OwnRedis redis;
        private final boolean postgres;
        private final String store;
        private final EmbeddedServer identity;
        private final EventLoopGroup loop;
        private final PemFileSvidSource admin;
        private final Workloads w;
        private final TokenReport report;

        private ModeServer(TestDatabase db, OwnRedis redis, boolean postgres, String store, EmbeddedServer identity,
                EventLoopGroup loop, PemFileSvidSource admin, Workloads w, TokenReport report) {
            this.db = db;
            this.redis = redis;
            this.postgres = postgres;
            this.store = store;
            this.identity = identity;
            this.loop = loop;
            this.admin = admin;
            this.w = w;
            this.report = report;
        }

        static ModeServer start(CaProcess ca, boolean withRedis, boolean postgres, int workloads) throws Exception {
            TestDatabase db = postgres ? TestDatabase.postgres() : TestDatabase.h2();
            OwnRedis redis = null;
            EmbeddedServer identity = null;
            EventLoopGroup loop = null;
            PemFileSvidSource admin = null;
            try {
                redis = withRedis ? OwnRedis.start() : null;
                String store = redis != null ? "Redis (own redis-server on 127.0.0.1)" : "in-process";
                log("starting identity-server (" + (postgres ? "PostgreSQL" : "H2") + ", " + store + ")");
                identity = ApplicationContext.run(EmbeddedServer.class, properties(ca, db, redis, postgres));
                loop = ClientTransport.eventLoops(1, "bench-client");
                Path creds = ca.credentials();
                admin = new PemFileSvidSource(creds.resolve("admin/cert.pem"), creds.resolve("admin/key.pem"),
                        creds.resolve("admin/bundle.pem"), Duration.ofSeconds(5));
                Workloads w = new Workloads(admin, identity.getApplicationContext().getBean(GrpcEmbeddedServer.class).getPort(), loop);
                log("registering and attesting " + workloads + " workloads");
                w.register(workloads, 4);
                TokenReport report = new TokenReport(System.getProperty("bench.command", "(see docs/benchmarks.md)"),
                        postgres ? "PostgreSQL on 127.0.0.1" : "H2 in memory", store, workloads);
                return new ModeServer(db, redis, postgres, store, identity, loop, admin, w, report);
            } catch (Exception | Error e) {
                if (admin != null) {
                    admin.close();
                }
                if (identity != null) {
                    identity.stop();
                }
                if (loop != null) {
                    loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                }
                if (redis != null) {
                    redis.close();
                }
                db.close();
                throw e;
            }
        }

        private static Map<String, Object> properties(CaProcess ca, TestDatabase db, OwnRedis redis, boolean postgres) {
            Map<String, Object> p = new HashMap<>(db.properties("common", "identity-server"));
            if (postgres) {
                // Named, so that the window meters this benchmark's backends apart from other users of the PostgreSQL.
                p.put("datasources.default.url", db.url() + "&ApplicationName=" + BACKENDS + "-identity");
                p.put("meshid.database.url", db.url() + "&ApplicationName=" + BACKENDS + "-identity");
            }
            // The pool the server ships with (meshid-defaults.yml), not the tests' small one.
            p.remove("datasources.default.maximum-pool-size");
            p.putAll(ca.identityServerProperties(Workloads.DOMAIN));
            p.put("meshid.identity.attest-failures-per-minute", 100_000);
            // The per-method abuse limits (10 renewals a minute per caller, 100 attestations a second
            // per source) would measure the limiter, not the rpcs: lift them for the benchmark.
            p.put("meshid.rate-limit.method-limits", java.util.List.of(
                    "meshid.identity.v1.IdentityService/RenewX509Svid=10000000/PT1S",
                    "meshid.identity.v1.IdentityService/Attest=10000000/PT1S"));
            // Every caller of the benchmark comes from 127.0.0.1, so the per-source limit (50,000 calls
            // a second) capped ValidateToken and counted its refusals as calls: lift it too. The
            // per-caller limit stays (the load spreads over 8 workloads and stays under it).
            p.put("meshid.rate-limit.per-source-per-second", 10_000_000);
            p.put("meshid.identity.key-encryption-key", io.meshid.identity.jwt.JwtTestContexts.TEST_KEK);
            if (redis != null) {
                p.put("meshid.redis.uri", redis.uri());
            }
            return p;
        }

        /** One measured window of {@code rpc} against this mode's server; {@code round} names it when there are several. */
        void run(CaProcess ca, String rpc, String round, int level, Duration wu, Duration duration, long maxCalls) throws Exception {
            // The CA's CPU is metered over the window only, as this JVM's and PostgreSQL's. CpuMeter reads the
            // metered process once at the window's start and once at its end: Redis' CPU is read beside it.
            List<Long> redisCpu = new ArrayList<>();
            ClosedLoop closedLoop = new ClosedLoop(() -> {
                redisCpu.add(redis == null ? 0L : redis.cpuNanos());
                return ca.cpu().toNanos();
            }, postgres ? () -> ownBackends(db) : java.util.Set::of);
            ca.settleHeap();
            String suffix = round == null ? "" : " (" + round + ")";
            ClosedLoop.Result r = switch (rpc) {
                case "mint" -> closedLoop.run("MintJwtSvid" + suffix, level, mint(w), wu, duration, maxCalls);
                case "exchange" -> closedLoop.run("ExchangeToken" + suffix, level, exchange(w), wu, duration, maxCalls);
                case "validate" -> closedLoop.run("ValidateToken" + suffix, level, validate(w), wu, duration, maxCalls);
                case "renew" -> renew(closedLoop, w, suffix, level, wu, duration, maxCalls);
                case "attest" -> attest(closedLoop, w, suffix, level, wu, duration, maxCalls);
                default -> throw new IllegalArgumentException("bench.rpcs: '" + rpc
                        + "' (expected: mint, exchange, validate, attest, renew)");
            };
            int n = redisCpu.size();
            report.add(r, n >= 2 ? redisCpu.get(n - 1) - redisCpu.get(n - 2) : 0L);
        }

        @Override
        public void close() throws Exception {
            try (TestDatabase d = db; OwnRedis r = redis) {
                try (PemFileSvidSource a = admin; Workloads workloads = w) {
                    // the workloads' channels first, then the server and the event loop they ran on
                } finally {
                    identity.stop();
                    loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                }
            }
        }
    }

    /**
     * The CA's JVM options: its heap, its journal in its own PostgreSQL schema (as deployed; with
     * {@code bench.db=h2} its embedded H2 file) and {@code bench.caJvmOptions} (space-separated,
     * e.g. a JFR recording).
     */
    private static List<String> caJvmOptions(TestDatabase caDb) {
        List<String> options = new ArrayList<>(List.of("-Xms512m", "-Xmx512m"));
        if (caDb != null) {
            caDb.properties("common", "cert-authority").forEach((k, v) -> {
                if (k.equals("datasources.default.url") || k.equals("meshid.database.url")) {
                    options.add("-D" + k + "=" + v + "&ApplicationName=" + BACKENDS + "-ca");
                } else if (!k.equals("datasources.default.maximum-pool-size")) {
                    options.add("-D" + k + "=" + v);
                }
            });
        }
        String extra = System.getProperty("bench.caJvmOptions", "").strip();
        if (!extra.isEmpty()) {
            options.addAll(Arrays.asList(extra.split("\\s+")));
        }
        return options;
    }

    /**
     * The PostgreSQL processes that work for this benchmark: the backends of identity-server and
     * the CA (by their application name) and PostgreSQL's WAL writer, checkpointer and background
     * writer, which write for everyone (today mostly for this benchmark).
     */
    private static java.util.Set<Long> ownBackends(TestDatabase db) {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(db.url(), "postgres", "");
                java.sql.Statement s = c.createStatement();
                java.sql.ResultSet rs = s.executeQuery("SELECT pid FROM pg_stat_activity WHERE application_name LIKE '" + BACKENDS
                        + "-%' OR backend_type IN ('walwriter', 'checkpointer', 'background writer')")) {
            java.util.Set<Long> pids = new java.util.HashSet<>();
            while (rs.next()) {
                pids.add(rs.getLong(1));
            }
            return pids;
        } catch (java.sql.SQLException e) {
            log("cannot list this benchmark's PostgreSQL backends: " + e.getMessage());
            return java.util.Set.of();
        }
    }

    private static IdentityServiceStub stub(List<ManagedChannel> channels, int caller) {
        return IdentityServiceGrpc.newStub(channels.get(caller % channels.size())).withDeadlineAfter(DEADLINE.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    private static ClosedLoop.Call mint(Workloads w) {
        MintJwtSvidRequest request = MintJwtSvidRequest.newBuilder().addAudience("spiffe://" + Workloads.DOMAIN + "/ns/bench/sa/backend").build();
        return (caller, seq, done) -> stub(w.mtls, caller).mintJwtSvid(request, observer(done, r -> !r.getToken().isEmpty()));
    }

    /** Each workload exchanges a JWT-SVID issued to itself (aud = its own SPIFFE ID) for the backend's audience. */
    /**
     * Each workload exchanges its own JWT-SVIDs: {@code bench.subjects} of them per workload (1 by
     * default: the same subject token again and again, as a workload presents one token until it
     * nears expiry). With more subject tokens in all than identity-server's verified-token cache
     * holds (10,000), taken in turn, every exchange verifies its subject token's signature anew.
     */
    private static ClosedLoop.Call exchange(Workloads w) {
        int perWorkload = Integer.getInteger("bench.subjects", 1);
        record Exchange(int channel, ExchangeTokenRequest request) {
        }
        List<Exchange> exchanges = new ArrayList<>();
        for (int n = 0; n < perWorkload; n++) {
            for (int i = 0; i < w.mtls.size(); i++) {
                String subject = IdentityServiceGrpc.newBlockingStub(w.mtls.get(i)).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .mintJwtSvid(MintJwtSvidRequest.newBuilder().addAudience(w.ids.get(i).toString())
                                .setTtl(com.google.protobuf.Duration.newBuilder().setSeconds(3600)).build()).getToken();
                exchanges.add(new Exchange(i, ExchangeTokenRequest.newBuilder().setSubjectToken(subject)
                        .setSubjectTokenType("urn:ietf:params:oauth:token-type:jwt")
                        .addAudience("spiffe://" + Workloads.DOMAIN + "/ns/bench/sa/backend").build()));
            }
        }
        if (perWorkload > 1) {
            log("exchange: " + exchanges.size() + " subject tokens, taken in turn");
        }
        AtomicInteger next = new AtomicInteger();
        return (caller, seq, done) -> {
            Exchange e = exchanges.get(perWorkload == 1 ? caller % exchanges.size() : Math.floorMod(next.getAndIncrement(), exchanges.size()));
            stub(w.mtls, e.channel()).exchangeToken(e.request(), observer(done, r -> !r.getAccessToken().isEmpty()));
        };
    }

    /** Each workload validates a JWT-SVID issued to itself (aud = its own SPIFFE ID), as a server checks what it is shown. */
    private static ClosedLoop.Call validate(Workloads w) {
        List<io.meshid.proto.identity.v1.ValidateTokenRequest> requests = new ArrayList<>();
        for (int i = 0; i < w.mtls.size(); i++) {
            String token = IdentityServiceGrpc.newBlockingStub(w.mtls.get(i)).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .mintJwtSvid(MintJwtSvidRequest.newBuilder().addAudience(w.ids.get(i).toString())
                            .setTtl(com.google.protobuf.Duration.newBuilder().setSeconds(3600)).build()).getToken();
            requests.add(io.meshid.proto.identity.v1.ValidateTokenRequest.newBuilder().setToken(token)
                    .setAudience(w.ids.get(i).toString()).build());
        }
        return (caller, seq, done) -> {
            int i = caller % requests.size();
            stub(w.mtls, i).validateToken(requests.get(i), observer(done, r -> r.getValid()));
        };
    }

    /**
     * A fleet renewing: every renewal presents a different SVID, attested beforehand, over a
     * connection made with it (an SVID renews once, and a sidecar renews with its newest one), with
     * a key never used before (the fresh-key rule). Attestations and CSRs are made ahead, not timed.
     */
    private static ClosedLoop.Result renew(ClosedLoop loop, Workloads w, String suffix, int level, Duration warmup, Duration duration, long maxCalls) throws Exception {
        int count = Integer.getInteger("bench.renewCsrs", 8000);
        log("attesting " + count + " SVIDs to renew once each, and making as many CSRs of fresh keys (not timed)");
        List<io.meshid.common.tls.StaticSvidSource> fleet = w.attested(count);
        List<ByteString> csrs = Workloads.csrs(count);
        // One client TLS context for the fleet, as each sidecar keeps one of its own; every connection still
        // makes a full handshake with its member's SVID (FleetTls).
        FleetTls tls = new FleetTls(fleet.get(0), Workloads.SERVER::equals);
        AtomicInteger next = new AtomicInteger();
        ClosedLoop.Call call = (caller, seq, done) -> {
            int i = next.getAndIncrement();
            if (i >= csrs.size()) {
                done.failed("fresh SVIDs used up");
                return;
            }
            String member = tls.join(fleet.get(i).svid());
            ManagedChannel channel = w.channelAs(tls.context(), member);
            StreamObserver<io.meshid.proto.identity.v1.RenewX509SvidResponse> reply = observer(done, r -> r.getSvid().getCertChainCount() >= 2);
            IdentityServiceGrpc.newStub(channel).withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                    .renewX509Svid(RenewX509SvidRequest.newBuilder().setCsr(csrs.get(i)).build(), new StreamObserver<>() {
                        @Override
                        public void onNext(io.meshid.proto.identity.v1.RenewX509SvidResponse value) {
                            reply.onNext(value);
                        }

                        @Override
                        public void onError(Throwable t) {
                            channel.shutdown();
                            tls.leave(member);
                            reply.onError(t);
                        }

                        @Override
                        public void onCompleted() {
                            channel.shutdown();
                            tls.leave(member);
                            reply.onCompleted();
                        }
                    });
        };
        return loop.run("RenewX509Svid (fleet, each SVID once)" + suffix, level, call, warmup, duration, maxCalls,
                () -> next.get() >= csrs.size() - level);
    }

    private static ClosedLoop.Result attest(ClosedLoop loop, Workloads w, String suffix, int level, Duration warmup, Duration duration, long maxCalls) throws Exception {
        int count = Integer.getInteger("bench.joinTokens", 6000);
        log("making " + count + " join tokens and as many CSRs of fresh keys (not timed)");
        List<String> tokens = w.joinTokens(count);
        List<ByteString> csrs = Workloads.csrs(count);
        AtomicInteger next = new AtomicInteger();
        ClosedLoop.Call call = (caller, seq, done) -> {
            int i = next.getAndIncrement();
            if (i >= tokens.size()) {
                done.failed("join tokens used up");
                return;
            }
            stub(w.anonymous, caller).attest(AttestRequest.newBuilder().setJoinToken(tokens.get(i))
                    .setCsr(csrs.get(i)).build(), observer(done, r -> r.getSvid().getCertChainCount() >= 2));
        };
        return loop.run("Attest (join token)" + suffix, level, call, warmup, duration, maxCalls,
                () -> next.get() >= tokens.size() - level);
    }

    private static <T> StreamObserver<T> observer(ClosedLoop.Completion done, java.util.function.Predicate<T> good) {
        return new StreamObserver<>() {
            private boolean ok;

            @Override
            public void onNext(T reply) {
                ok = good.test(reply);
            }

            @Override
            public void onError(Throwable t) {
                done.failed(Status.fromThrowable(t).getCode().name());
            }

            @Override
            public void onCompleted() {
                if (ok) {
                    done.ok();
                } else {
                    done.failed("empty reply");
                }
            }
        };
    }

    private static List<String> list(String property, String fallback) {
        return Arrays.stream(System.getProperty(property, fallback).split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    static void log(String line) {
        System.err.println("[bench " + LocalDateTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss")) + "] " + line);
    }
}
