package io.meshid.ca.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * A CPU profile of one load window with JDK Flight Recorder's CPU-time sampler
 * ({@code jdk.CPUTimeSample}, JDK 25), which samples threads by CPU time used, in Java and in
 * native code alike (BoringSSL's signatures run in native code, which the classic execution
 * sampler does not see). Each sample is put in one stage of an issuance by the topmost frame of
 * its stack that names one; the recording stays on disk for {@code jfr print}. Not thread-safe.
 */
final class StageProfile {

    /** Samples per stage and per top frame, split by whether the load client's threads took them. */
    record Result(Map<String, Long> serverStages, Map<String, Long> clientStages, Map<String, Long> serverTopFrames,
            long samples, long lost, Path file) {

        long serverSamples() {
            return serverStages.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** A stage and the frame prefixes (class, or class.method) that put a sample in it. */
    private record Stage(String name, List<String> prefixes) {
    }

    /** Checked frame by frame from the top of the stack; within a frame, in this order. */
    private static final List<Stage> STAGES = List.of(
            new Stage("ECDSA sign (leaf signature)", List.of("org.conscrypt.OpenSSLSignature.engineSign",
                    "org.conscrypt.NativeCrypto.EVP_DigestSignFinal", "org.conscrypt.NativeCrypto.ECDSA_sign",
                    "sun.security.ec.ECDSASignature.engineSign")),
            new Stage("ECDSA verify (CSR proof of possession)", List.of("org.conscrypt.OpenSSLSignature.engineVerify",
                    "org.conscrypt.NativeCrypto.EVP_DigestVerifyFinal", "sun.security.ec.ECDSASignature.engineVerify")),
            new Stage("ECDSA verify again (BouncyCastle RawSigVerifier's raw signature)", List.of(
                    "org.conscrypt.OpenSSLSignatureRawECDSA", "org.conscrypt.NativeCrypto.ECDSA_verify")),
            new Stage("key import into Conscrypt (init sign/verify)", List.of("org.conscrypt.OpenSSLSignature.engineInit",
                    "org.conscrypt.OpenSSLKey", "org.conscrypt.OpenSSLEC", "org.conscrypt.NativeCrypto.EVP_parse",
                    "org.conscrypt.NativeCrypto.EC_")),
            new Stage("digest inside signatures (Conscrypt update)", List.of("org.conscrypt.OpenSSLSignature.engineUpdate",
                    "org.conscrypt.NativeCrypto.EVP_DigestSignUpdate", "org.conscrypt.NativeCrypto.EVP_DigestVerifyUpdate")),
            new Stage("TLS records (BoringSSL, tcnative)", List.of("io.netty.internal.tcnative", "io.netty.handler.ssl")),
            new Stage("journal: JDBC driver / PostgreSQL I/O", List.of("org.postgresql", "com.zaxxer.hikari")),
            new Stage("journal: queue and commit wait", List.of("io.meshid.ca.journal")),
            new Stage("certificate building (BouncyCastle, X.509 parse)", List.of("io.meshid.ca.issuance.LeafBuilder",
                    "org.bouncycastle.cert", "org.bouncycastle.operator", "org.bouncycastle.jcajce",
                    "java.security.cert", "sun.security.x509", "sun.security.provider.X509Factory")),
            new Stage("CSR parsing and checks", List.of("io.meshid.common.csr.WorkloadCsr", "org.bouncycastle.pkcs")),
            new Stage("serial, SHA-256, other CA logic", List.of("io.meshid.ca.keys", "io.meshid.ca.issuance",
                    "io.meshid.ca.authority")),
            new Stage("endpoint, interceptors, reply (protobuf)", List.of("io.meshid", "com.google.protobuf")),
            new Stage("executor handoff (park/unpark, queues)", List.of("java.util.concurrent.ThreadPoolExecutor",
                    "java.util.concurrent.ForkJoinPool", "java.util.concurrent.locks", "java.util.concurrent.LinkedBlockingQueue",
                    "java.util.concurrent.SynchronousQueue", "java.util.concurrent.LinkedTransferQueue",
                    "io.grpc.internal.SerializingExecutor")),
            new Stage("socket syscalls and wake-ups (read, write, epoll, eventfd)", List.of("sun.nio.ch")),
            new Stage("gRPC / HTTP/2 / Netty", List.of("io.grpc", "io.netty", "java.nio")),
            new Stage("Micronaut, Micrometer, logging, other", List.of("io.micronaut", "io.micrometer", "ch.qos.logback",
                    "org.slf4j")));

    private final Recording recording = new Recording();
    private final Path file;

    StageProfile(Path file, String period) {
        this.file = file;
        recording.enable("jdk.CPUTimeSample").with("throttle", period).withStackTrace();
        recording.enable("jdk.CPUTimeSamplesLost");
        recording.enable("jdk.GarbageCollection");
        recording.setToDisk(true);
        recording.setName("meshid issuance benchmark");
    }

    void start() {
        recording.start();
    }

    Result stop() throws IOException {
        recording.stop();
        recording.dump(file);
        recording.close();
        Map<String, Long> server = new HashMap<>();
        Map<String, Long> client = new HashMap<>();
        Map<String, Long> top = new HashMap<>();
        long samples = 0;
        long lost = 0;
        for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
            String type = event.getEventType().getName();
            if (type.equals("jdk.CPUTimeSamplesLost")) {
                lost += event.getLong("lostSamples");
                continue;
            }
            if (!type.equals("jdk.CPUTimeSample") || event.getStackTrace() == null) {
                continue;
            }
            samples++;
            String thread = event.getThread("eventThread") == null ? "" : event.getThread("eventThread").getJavaName();
            boolean isClient = thread != null && thread.startsWith(IssuanceBenchmark.CLIENT_THREAD_PREFIX);
            String stage = stage(event.getStackTrace());
            (isClient ? client : server).merge(stage, 1L, Long::sum);
            if (!isClient) {
                top.merge(frameName(event.getStackTrace().getFrames().get(0)), 1L, Long::sum);
            }
        }
        return new Result(sorted(server), sorted(client), sorted(top), samples, lost, file);
    }

    static String stage(RecordedStackTrace stack) {
        for (RecordedFrame frame : stack.getFrames()) {
            String name = frameName(frame);
            for (Stage stage : STAGES) {
                for (String prefix : stage.prefixes()) {
                    if (name.startsWith(prefix)) {
                        return stage.name();
                    }
                }
            }
        }
        List<RecordedFrame> frames = stack.getFrames();
        return "unattributed (" + (frames.isEmpty() ? "no frames" : frameName(frames.get(frames.size() - 1))) + ")";
    }

    private static String frameName(RecordedFrame frame) {
        if (frame.getMethod() == null) {
            return "?";
        }
        return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
    }

    private static Map<String, Long> sorted(Map<String, Long> in) {
        Map<String, Long> out = new LinkedHashMap<>();
        in.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }
}
