package io.meshid.policy.decisionlog;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshid.common.audit.AuditEvent;
import io.meshid.common.audit.AuditLog;
import io.meshid.common.audit.AuditQuery;
import io.meshid.policy.PolicyConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The decision log's queue: records reach the audit trail off the caller's thread, a full queue drops and counts. */
class AsyncDecisionLogTest {

    static final class MemoryAudit implements AuditLog {
        final List<AuditEvent> events = new CopyOnWriteArrayList<>();
        final CountDownLatch release;
        final CountDownLatch entered = new CountDownLatch(1);

        MemoryAudit(CountDownLatch release) {
            this.release = release;
        }

        volatile boolean room = true;

        @Override
        public void record(AuditEvent event) {
            throw new AssertionError("the decision log waits for no commit: it queues with recordIfRoom");
        }

        @Override
        public void recordSoon(AuditEvent event) {
            throw new AssertionError("decisions are caused at will: they take only spare room (recordIfRoom)");
        }

        @Override
        public boolean recordIfRoom(AuditEvent event) {
            entered.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (room) {
                events.add(event);
            }
            return room;
        }

        @Override
        public List<AuditEvent> find(AuditQuery query) {
            return events;
        }
    }

    static DecisionRecord record(boolean allowed, String requestId) {
        return new DecisionRecord(Instant.parse("2026-12-01T10:00:00Z"), requestId, "spiffe://log.test/ns/b/sa/server",
                "spiffe://log.test/ns/a/sa/client", "DELETE", "spiffe://log.test/ns/b/sa/server", "log.test", "/items/1",
                "10.0.0.1", allowed, List.of("no-delete"), List.of(), 4, 87, false, 0, false);
    }

    private static PolicyConfig.DecisionLog config(double rate, int queue) {
        PolicyConfig.DecisionLog config = new PolicyConfig.DecisionLog();
        config.setAllowSampleRate(rate);
        config.setQueueSize(queue);
        return config;
    }

    @Test
    void deny_isStoredAsAnAuditEvent_offTheCallersThread() throws Exception {
        MemoryAudit audit = new MemoryAudit(new CountDownLatch(0));
        AsyncDecisionLog log = new AsyncDecisionLog(config(0, 100), audit, new SimpleMeterRegistry());

        log.offer(record(false, "req-7"));
        log.close();

        assertThat(audit.events).hasSize(1);
        AuditEvent event = audit.events.getFirst();
        assertThat(event.action()).isEqualTo("policy.decide");
        assertThat(event.trustDomain()).isEqualTo("log.test");
        assertThat(event.actor()).isEqualTo("spiffe://log.test/ns/a/sa/client");
        assertThat(event.target()).isEqualTo("spiffe://log.test/ns/b/sa/server");
        assertThat(event.outcome()).isEqualTo(AuditEvent.Outcome.DENIED);
        assertThat(event.requestId()).isEqualTo("req-7");
        assertThat(event.detail()).contains("DENY action=DELETE path=/items/1").contains("version=4")
                .contains("policies=[no-delete]").contains("latency_us=87");
    }

    @Test
    void fullQueue_dropsAndCounts_withoutBlockingTheCaller() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        MemoryAudit audit = new MemoryAudit(release);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        AsyncDecisionLog log = new AsyncDecisionLog(config(0, 2), audit, meters);

        log.offer(record(false, "first"));
        assertThat(audit.entered.await(10, TimeUnit.SECONDS)).isTrue();
        for (int i = 0; i < 5; i++) {
            log.offer(record(false, "r" + i));
        }

        assertThat(meters.counter("meshid.policy.decision_log.dropped").count()).isEqualTo(3);
        release.countDown();
        log.close();
        assertThat(audit.events).extracting(AuditEvent::requestId).containsExactly("first", "r0", "r1");
    }

    @Test
    void auditTrailWithoutRoom_countsTheRecordAsFailed_andTheLogGoesOn() throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        MemoryAudit audit = new MemoryAudit(new CountDownLatch(0));
        audit.room = false;
        AsyncDecisionLog log = new AsyncDecisionLog(config(0, 10), audit, meters);

        log.offer(record(false, "no-room"));
        log.close();

        assertThat(audit.events).isEmpty();
        assertThat(meters.counter("meshid.policy.decision_log.failed").count()).isEqualTo(1);
    }

    @Test
    void everyDenyIsWanted_allowsBySampleRate() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        AsyncDecisionLog none = new AsyncDecisionLog(config(0, 10), null, meters);
        AsyncDecisionLog all = new AsyncDecisionLog(config(1, 10), null, meters);

        assertThat(none.wants(false)).isTrue();
        assertThat(none.wants(true)).isFalse();
        assertThat(all.wants(true)).isTrue();
    }

    @Test
    void shadowDisagreement_isCounted() throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        AsyncDecisionLog log = new AsyncDecisionLog(config(0, 10), null, meters);
        DecisionRecord r = record(true, "s");
        log.offer(new DecisionRecord(r.at(), r.requestId(), r.caller(), r.principal(), r.action(), r.resource(), r.trustDomain(),
                r.path(), r.sourceAddress(), true, List.of(), List.of(), 4, 10, false, 5, false));
        log.close();

        assertThat(meters.counter("meshid.policy.shadow.disagreements").count()).isEqualTo(1);
    }
}
