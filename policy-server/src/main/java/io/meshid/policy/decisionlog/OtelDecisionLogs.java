package io.meshid.policy.decisionlog;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.logs.Logger;
import io.opentelemetry.api.logs.Severity;

/**
 * Emits decision records as OpenTelemetry log records (instrumentation scope
 * {@code meshid.decision}), with the record's fields as attributes under {@code meshid.*} and
 * the request id as {@code meshid.request_id}. Goes to whatever {@link OpenTelemetry} it is given:
 * the global one by default, which the OpenTelemetry Java agent or an SDK set up at start-up
 * exports (OTLP, …); without either it is a no-op that costs nothing. Thread-safe.
 */
final class OtelDecisionLogs {

    private static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("meshid.request_id");
    private static final AttributeKey<String> CALLER = AttributeKey.stringKey("meshid.caller");
    private static final AttributeKey<String> PRINCIPAL = AttributeKey.stringKey("meshid.principal");
    private static final AttributeKey<String> ACTION = AttributeKey.stringKey("meshid.action");
    private static final AttributeKey<String> RESOURCE = AttributeKey.stringKey("meshid.resource");
    private static final AttributeKey<String> TRUST_DOMAIN = AttributeKey.stringKey("meshid.trust_domain");
    private static final AttributeKey<String> PATH = AttributeKey.stringKey("meshid.path");
    private static final AttributeKey<String> SOURCE_ADDRESS = AttributeKey.stringKey("meshid.source_address");
    private static final AttributeKey<String> DECISION = AttributeKey.stringKey("meshid.decision");
    private static final AttributeKey<java.util.List<String>> DETERMINING = AttributeKey.stringArrayKey("meshid.determining_policies");
    private static final AttributeKey<java.util.List<String>> ERRORS = AttributeKey.stringArrayKey("meshid.errors");
    private static final AttributeKey<Long> VERSION = AttributeKey.longKey("meshid.policy_version");
    private static final AttributeKey<Long> LATENCY = AttributeKey.longKey("meshid.latency_us");
    private static final AttributeKey<Boolean> CACHED = AttributeKey.booleanKey("meshid.cached");
    private static final AttributeKey<Long> SHADOW_VERSION = AttributeKey.longKey("meshid.shadow_version");
    private static final AttributeKey<String> SHADOW_DECISION = AttributeKey.stringKey("meshid.shadow_decision");

    private final Logger logger;

    OtelDecisionLogs(OpenTelemetry openTelemetry) {
        this.logger = openTelemetry.getLogsBridge().loggerBuilder("meshid.decision").build();
    }

    void emit(DecisionRecord r) {
        AttributesBuilder attributes = Attributes.builder()
                .put(CALLER, r.caller())
                .put(PRINCIPAL, r.principal())
                .put(ACTION, r.action())
                .put(RESOURCE, r.resource())
                .put(TRUST_DOMAIN, r.trustDomain())
                .put(DECISION, r.allowed() ? "ALLOW" : "DENY")
                .put(DETERMINING, r.determiningPolicies())
                .put(ERRORS, r.errors())
                .put(VERSION, r.version())
                .put(LATENCY, r.latencyMicros())
                .put(CACHED, r.cached());
        putIfSet(attributes, REQUEST_ID, r.requestId());
        putIfSet(attributes, PATH, r.path());
        putIfSet(attributes, SOURCE_ADDRESS, r.sourceAddress());
        if (r.shadowVersion() > 0) {
            attributes.put(SHADOW_VERSION, r.shadowVersion()).put(SHADOW_DECISION, r.shadowAllowed() ? "ALLOW" : "DENY");
        }
        logger.logRecordBuilder()
                .setTimestamp(r.at())
                .setSeverity(r.allowed() ? Severity.INFO : Severity.WARN)
                .setSeverityText(r.allowed() ? "INFO" : "WARN")
                .setBody(r.shadowDisagrees() ? "decision (shadow disagrees)" : "decision")
                .setAllAttributes(attributes.build())
                .emit();
    }

    private static void putIfSet(AttributesBuilder attributes, AttributeKey<String> key, String value) {
        if (value != null && !value.isEmpty()) {
            attributes.put(key, value);
        }
    }
}
