package io.meshid.policy.decisionlog;

import io.meshid.common.audit.AuditEvent;
import io.meshid.common.audit.AuditLog;
import io.meshid.policy.PolicyConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.core.annotation.Nullable;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decision log: a bounded queue drained by one background thread, which queues each record for
 * the audit trail ({@code policy.decide} events of the resource's trust domain; {@code recordIfRoom}:
 * batched with others, no wait for a commit, so the thread keeps up with thousands of decisions a
 * second instead of one commit per record; and only while the audit queue is less than half full,
 * since callers cause decisions at will and must not crowd out the events of policy changes) and writes it as
 * one structured log line on the {@code meshid.decision} logger (a JSON object per line with the
 * default log format, the record's fields as key-value pairs) and as an OpenTelemetry log record
 * ({@link OtelDecisionLogs}). The hot path only offers to the
 * queue: a full queue drops the record and counts it ({@code meshid.policy.decision_log.dropped}),
 * a record the audit trail had no room for (its queue half full) is counted ({@code meshid.policy.decision_log.failed}) and the line is still
 * written. Thread-safe.
 */
@Singleton
final class AsyncDecisionLog implements DecisionLog {

    static final String AUDIT_ACTION = "policy.decide";
    private static final Logger DECISIONS = LoggerFactory.getLogger("meshid.decision");
    private static final Logger LOG = LoggerFactory.getLogger(AsyncDecisionLog.class);

    private final BlockingQueue<DecisionRecord> queue;
    private final @Nullable AuditLog audit;
    private final double allowSampleRate;
    private final Counter dropped;
    private final Counter failed;
    private final Counter disagreements;
    private final OtelDecisionLogs otel;
    private final Thread writer;
    private volatile boolean running = true;

    @Inject
    AsyncDecisionLog(PolicyConfig.DecisionLog config, @Nullable AuditLog audit, MeterRegistry meters) {
        this(config, audit, meters, GlobalOpenTelemetry.get());
    }

    AsyncDecisionLog(PolicyConfig.DecisionLog config, @Nullable AuditLog audit, MeterRegistry meters, OpenTelemetry openTelemetry) {
        this.otel = new OtelDecisionLogs(openTelemetry);
        this.queue = new ArrayBlockingQueue<>(config.getQueueSize());
        this.audit = audit;
        this.allowSampleRate = config.getAllowSampleRate();
        this.dropped = Counter.builder("meshid.policy.decision_log.dropped")
                .description("Decision-log records dropped because the queue was full").register(meters);
        this.failed = Counter.builder("meshid.policy.decision_log.failed")
                .description("Decision-log records that could not be stored in the audit trail").register(meters);
        this.disagreements = Counter.builder("meshid.policy.shadow.disagreements")
                .description("Checks on which the shadow policy version decided otherwise than the active one").register(meters);
        this.writer = Thread.ofPlatform().daemon().name("meshid-decision-log").start(this::drain);
    }

    @Override
    public boolean wants(boolean allowed) {
        return !allowed || (allowSampleRate > 0 && (allowSampleRate >= 1 || ThreadLocalRandom.current().nextDouble() < allowSampleRate));
    }

    @Override
    public void offer(DecisionRecord record) {
        if (record.shadowDisagrees()) {
            disagreements.increment();
        }
        if (!queue.offer(record)) {
            dropped.increment();
        }
    }

    private void drain() {
        List<DecisionRecord> batch = new ArrayList<>(256);
        while (running || !queue.isEmpty()) {
            try {
                DecisionRecord first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, 255);
                batch.forEach(this::write);
            } catch (InterruptedException e) {
                if (!running) {
                    queue.drainTo(batch);
                    batch.forEach(this::write);
                    return;
                }
            } catch (RuntimeException e) {
                LOG.warn("decision log: {}", e.toString());
            } finally {
                batch.clear();
            }
        }
    }

    private void write(DecisionRecord r) {
        var line = DECISIONS.atInfo()
                .addKeyValue("request_id", r.requestId())
                .addKeyValue("caller", r.caller())
                .addKeyValue("principal", r.principal())
                .addKeyValue("action", r.action())
                .addKeyValue("resource", r.resource())
                .addKeyValue("path", r.path())
                .addKeyValue("source_address", r.sourceAddress())
                .addKeyValue("decision", r.allowed() ? "ALLOW" : "DENY")
                .addKeyValue("determining_policies", r.determiningPolicies())
                .addKeyValue("errors", r.errors())
                .addKeyValue("policy_version", r.version())
                .addKeyValue("latency_us", r.latencyMicros())
                .addKeyValue("cached", r.cached());
        if (r.shadowVersion() > 0) {
            line = line.addKeyValue("shadow_version", r.shadowVersion())
                    .addKeyValue("shadow_decision", r.shadowAllowed() ? "ALLOW" : "DENY");
        }
        line.log(r.shadowDisagrees() ? "decision (shadow disagrees)" : "decision");
        otel.emit(r);
        if (audit != null) {
            try {
                if (!audit.recordIfRoom(new AuditEvent(AuditEvent.newId(r.at()), r.at(), r.trustDomain(), r.principal(), AUDIT_ACTION,
                        r.resource(), r.allowed() ? AuditEvent.Outcome.SUCCESS : AuditEvent.Outcome.DENIED, detail(r),
                        r.requestId()))) {
                    failed.increment();
                }
            } catch (RuntimeException e) {
                failed.increment();
                LOG.debug("decision log: audit write failed: {}", e.toString());
            }
        }
    }

    /** The audit event's detail: the decision in one line, cut by AuditEvent to its limit. */
    static String detail(DecisionRecord r) {
        StringBuilder out = new StringBuilder(256)
                .append(r.allowed() ? "ALLOW" : "DENY")
                .append(" action=").append(r.action())
                .append(" path=").append(r.path())
                .append(" source=").append(r.sourceAddress())
                .append(" caller=").append(r.caller())
                .append(" version=").append(r.version())
                .append(" policies=").append(r.determiningPolicies())
                .append(" latency_us=").append(r.latencyMicros());
        if (r.cached()) {
            out.append(" cached");
        }
        if (!r.errors().isEmpty()) {
            out.append(" errors=").append(r.errors());
        }
        if (r.shadowVersion() > 0) {
            out.append(" shadow_version=").append(r.shadowVersion()).append(" shadow=").append(r.shadowAllowed() ? "ALLOW" : "DENY");
        }
        return out.toString();
    }

    /** Writes what is queued, then stops the writer thread. */
    @PreDestroy
    void close() throws InterruptedException {
        running = false;
        writer.interrupt();
        writer.join(TimeUnit.SECONDS.toMillis(5));
    }

    /** Records waiting to be written (for tests). */
    int pending() {
        return queue.size();
    }
}
