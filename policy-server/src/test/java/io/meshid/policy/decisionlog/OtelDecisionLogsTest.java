package io.meshid.policy.decisionlog;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshid.policy.PolicyConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.logs.Severity;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.logs.export.SimpleLogRecordProcessor;
import io.opentelemetry.sdk.testing.exporter.InMemoryLogRecordExporter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Decision records reach an OpenTelemetry SDK as log records, with their fields as attributes. */
class OtelDecisionLogsTest {

    @Test
    void deny_isEmittedAsAnOtelLogRecord_withTheDecisionsFields_andNoHeaders() throws Exception {
        InMemoryLogRecordExporter exporter = InMemoryLogRecordExporter.create();
        try (OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
                .setLoggerProvider(SdkLoggerProvider.builder().addLogRecordProcessor(SimpleLogRecordProcessor.create(exporter)).build())
                .build()) {
            PolicyConfig.DecisionLog config = new PolicyConfig.DecisionLog();
            config.setAllowSampleRate(0);
            AsyncDecisionLog log = new AsyncDecisionLog(config, null, new SimpleMeterRegistry(), sdk);

            log.offer(AsyncDecisionLogTest.record(false, "req-9"));
            log.close();

            List<LogRecordData> records = exporter.getFinishedLogRecordItems();
            assertThat(records).hasSize(1);
            LogRecordData r = records.getFirst();
            assertThat(r.getInstrumentationScopeInfo().getName()).isEqualTo("meshid.decision");
            assertThat(r.getSeverity()).isEqualTo(Severity.WARN);
            assertThat(r.getBodyValue().asString()).isEqualTo("decision");
            assertThat(r.getTimestampEpochNanos()).isEqualTo(1_796_119_200_000_000_000L);
            assertThat(r.getAttributes().get(AttributeKey.stringKey("meshid.decision"))).isEqualTo("DENY");
            assertThat(r.getAttributes().get(AttributeKey.stringKey("meshid.request_id"))).isEqualTo("req-9");
            assertThat(r.getAttributes().get(AttributeKey.stringKey("meshid.principal"))).isEqualTo("spiffe://log.test/ns/a/sa/client");
            assertThat(r.getAttributes().get(AttributeKey.stringArrayKey("meshid.determining_policies"))).containsExactly("no-delete");
            assertThat(r.getAttributes().get(AttributeKey.longKey("meshid.policy_version"))).isEqualTo(4L);
            assertThat(r.getAttributes().get(AttributeKey.longKey("meshid.latency_us"))).isEqualTo(87L);
            assertThat(r.getAttributes().asMap().keySet()).extracting(AttributeKey::getKey)
                    .noneMatch(k -> k.contains("header") || k.contains("attributes") || k.contains("token"));
        }
    }
}
