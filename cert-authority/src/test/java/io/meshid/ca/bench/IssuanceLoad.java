package io.meshid.ca.bench;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.meshid.ca.issuance.IssuedX509Svid;
import io.meshid.ca.issuance.WorkloadCa;
import io.meshid.ca.issuance.X509SvidParams;
import io.meshid.common.bench.CpuMeter;
import io.meshid.proto.ca.v1.CertificateAuthorityGrpc;
import io.meshid.proto.ca.v1.CertificateAuthorityGrpc.CertificateAuthorityStub;
import io.meshid.proto.ca.v1.SignX509SvidRequest;
import io.meshid.proto.ca.v1.SignX509SvidResponse;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * A closed-loop issuance load: a fixed number of callers, each with one call in flight that it
 * replaces as soon as it completes, for a warm-up and then a measured window. Latency is what the
 * caller sees, from sending the request to the last byte of the reply, and goes into an
 * HdrHistogram (nanoseconds, 3 significant digits). A sample of the replies is checked after the
 * window ({@link ReplyCheck}). Two doors: asynchronous gRPC stubs over
 * persistent mTLS channels, or the domain interface in this JVM (no gRPC, no TLS) for comparison.
 * One instance runs one load; not reusable.
 */
final class IssuanceLoad {

    /** What one measured window gave. */
    record Result(String door, int concurrency, int channels, long certificates, Map<String, Long> errors, Histogram latency,
            double seconds, CpuMeter.Usage cpu, StageProfile.Result profile, Map<String, Long> integrity) {

        double perSecond() {
            return certificates / seconds;
        }

        long errorCount() {
            return errors.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private static final Duration DEADLINE = Duration.ofSeconds(10);

    private final Recorder recorder = new Recorder(3);
    private final ReplyCheck replies = new ReplyCheck();
    private final LongAdder completed = new LongAdder();
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private volatile boolean measuring;
    private volatile boolean stopping;
    private CountDownLatch drained;

    /** Runs {@code concurrency} gRPC callers spread over {@code channels}; returns the measured window. */
    Result overGrpc(List<ManagedChannel> channels, List<SignX509SvidRequest> requests, int concurrency, Duration warmup,
            Duration duration, long maxCalls, StageProfile profile) throws Exception {
        drained = new CountDownLatch(concurrency);
        ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(
                r -> Thread.ofPlatform().name(IssuanceBenchmark.CLIENT_THREAD_PREFIX + "-retry").daemon().unstarted(r));
        try {
            for (int i = 0; i < concurrency; i++) {
                CertificateAuthorityStub stub = CertificateAuthorityGrpc.newStub(channels.get(i % channels.size()));
                new GrpcCaller(stub, requests, i, concurrency, retries).next();
            }
            return window("gRPC mTLS", concurrency, channels.size(), warmup, duration, maxCalls, profile);
        } finally {
            retries.shutdownNow();
        }
    }

    /** Runs {@code concurrency} threads calling {@link WorkloadCa} directly; returns the measured window. */
    Result inProcess(WorkloadCa ca, List<X509SvidParams> requests, int concurrency, Duration warmup, Duration duration,
            long maxCalls) throws Exception {
        drained = new CountDownLatch(concurrency);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < concurrency; i++) {
            int id = i;
            threads.add(Thread.ofPlatform().name("bench-direct-" + i).daemon().start(() -> {
                long seq = id;
                while (!stopping) {
                    long start = System.nanoTime();
                    try {
                        IssuedX509Svid issued = ca.signX509Svid(requests.get((int) (seq % requests.size())));
                        succeeded(System.nanoTime() - start);
                        replies.offer(() -> new ByteString[] {der(issued.chain().get(0)), der(issued.chain().get(1))});
                    } catch (RuntimeException e) {
                        failed(e.getClass().getSimpleName());
                    }
                    seq += concurrency;
                }
                drained.countDown();
            }));
        }
        return window("in-process (no gRPC)", concurrency, 0, warmup, duration, maxCalls, null);
    }

    private Result window(String door, int concurrency, int channels, Duration warmup, Duration duration, long maxCalls,
            StageProfile profile) throws Exception {
        Thread.sleep(warmup.toMillis());
        CpuMeter cpu = new CpuMeter();
        recorder.reset();
        errors.clear();
        long before = completed.sum();
        cpu.start();
        if (profile != null) {
            profile.start();
        }
        measuring = true;
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        while (System.nanoTime() < end && completed.sum() - before < maxCalls) {
            Thread.sleep(20);
        }
        measuring = false;
        long elapsed = System.nanoTime() - start;
        Histogram latency = recorder.getIntervalHistogram();
        CpuMeter.Usage usage = cpu.stop();
        StageProfile.Result profiled = profile == null ? null : profile.stop();
        Map<String, Long> errorCounts = new TreeMap<>();
        errors.forEach((k, v) -> errorCounts.put(k, v.sum()));
        stopping = true;
        if (!drained.await(DEADLINE.toSeconds() + 5, TimeUnit.SECONDS)) {
            errorCounts.merge("not drained after the window", drained.getCount(), Long::sum);
        }
        return new Result(door, concurrency, channels, latency.getTotalCount(), errorCounts, latency, elapsed / 1e9, usage,
                profiled, replies.check());
    }

    private static ByteString der(X509Certificate certificate) {
        try {
            return ByteString.copyFrom(certificate.getEncoded());
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    private void succeeded(long nanos) {
        completed.increment();
        if (measuring) {
            recorder.recordValue(nanos);
        }
    }

    private void failed(String kind) {
        if (measuring) {
            errors.computeIfAbsent(kind, k -> new LongAdder()).increment();
        }
    }

    /** One caller: one call in flight, the next sent from the completion callback of the last. */
    private final class GrpcCaller implements StreamObserver<SignX509SvidResponse> {

        private final CertificateAuthorityStub stub;
        private final List<SignX509SvidRequest> requests;
        private final int stride;
        private final ScheduledExecutorService retries;
        private long sequence;
        private long started;
        private boolean goodReply;

        GrpcCaller(CertificateAuthorityStub stub, List<SignX509SvidRequest> requests, int id, int stride,
                ScheduledExecutorService retries) {
            this.stub = stub;
            this.requests = requests;
            this.sequence = id;
            this.stride = stride;
            this.retries = retries;
        }

        void next() {
            if (stopping) {
                drained.countDown();
                return;
            }
            SignX509SvidRequest request = requests.get((int) (sequence % requests.size()));
            sequence += stride;
            goodReply = false;
            started = System.nanoTime();
            stub.withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS).signX509Svid(request, this);
        }

        @Override
        public void onNext(SignX509SvidResponse reply) {
            goodReply = reply.getSvid().getCertChainCount() >= 2 && !reply.getSvid().getCertChain(0).isEmpty();
            if (goodReply) {
                replies.offer(() -> new ByteString[] {reply.getSvid().getCertChain(0), reply.getSvid().getCertChain(1)});
            }
        }

        @Override
        public void onError(Throwable t) {
            failed(Status.fromThrowable(t).getCode().name());
            try {
                retries.schedule(this::next, 1, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                drained.countDown();
            }
        }

        @Override
        public void onCompleted() {
            if (goodReply) {
                succeeded(System.nanoTime() - started);
            } else {
                failed("reply without a chain");
            }
            next();
        }
    }
}
