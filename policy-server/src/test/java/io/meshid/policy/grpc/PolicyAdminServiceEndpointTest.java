package io.meshid.policy.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.meshid.common.audit.AuditEvent;
import io.meshid.common.audit.AuditLog;
import io.meshid.common.audit.AuditQuery;
import io.meshid.policy.store.TestSources;
import io.meshid.policy.testing.PolicyServer;
import io.meshid.proto.policy.v1.GetPolicySetRequest;
import io.meshid.proto.policy.v1.ListPolicyVersionsRequest;
import io.meshid.proto.policy.v1.PolicyAdminServiceGrpc;
import io.meshid.proto.policy.v1.PolicyAdminServiceGrpc.PolicyAdminServiceBlockingStub;
import io.meshid.proto.policy.v1.PolicySetPart;
import io.meshid.proto.policy.v1.PolicySetSource;
import io.meshid.proto.policy.v1.PolicySetValidationFailure;
import io.meshid.proto.policy.v1.PolicySetVersionState;
import io.meshid.proto.policy.v1.PolicyTemplate;
import io.meshid.proto.policy.v1.PutPolicySetRequest;
import io.meshid.proto.policy.v1.RollbackRequest;
import io.meshid.proto.policy.v1.TemplateLink;
import io.meshid.proto.policy.v1.ValidatePolicySetRequest;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * PolicyAdminService on the real server over mutual TLS: admins of the trust domain put, read,
 * list and roll back; everyone else is refused; every bad request gets a clear status, the
 * details policy_admin.proto promises, and stores nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PolicyAdminServiceEndpointTest {

    private static final String ADMIN = "spiffe://pol.test/meshid/admin";

    private PolicyServer server;
    private PolicyAdminServiceBlockingStub admin;

    @BeforeAll
    void start() {
        server = new PolicyServer(Map.of());
        admin = PolicyAdminServiceGrpc.newBlockingStub(server.channelAs(ADMIN));
    }

    @AfterAll
    void stop() throws InterruptedException {
        server.close();
    }

    /** The server's own trust domain is the only one its admin administers; tests share it, so they count from "latest". */
    private long latest() {
        var page = admin.listPolicyVersions(ListPolicyVersionsRequest.newBuilder().setTrustDomain(PolicyServer.DOMAIN).setPageSize(1).build());
        return page.getVersionsCount() == 0 ? 0 : page.getVersions(0).getVersion();
    }

    private static PolicySetSource source(String policies) {
        return PolicySetSource.newBuilder().setSchemaCedar(TestSources.SCHEMA).setPolicies(policies).build();
    }

    private static PutPolicySetRequest.Builder put(PolicySetSource source) {
        return PutPolicySetRequest.newBuilder().setTrustDomain(PolicyServer.DOMAIN).setSource(source);
    }

    private static Status status(Throwable e) {
        return ((StatusRuntimeException) e).getStatus();
    }

    private static void assertStatus(Runnable call, Status.Code code, String descriptionStart) {
        assertThatThrownBy(call::run).isInstanceOf(StatusRuntimeException.class).satisfies(e -> {
            assertThat(status(e).getCode()).isEqualTo(code);
            assertThat(status(e).getDescription()).startsWith(descriptionStart);
        });
    }

    @Test
    void admin_putsReadsListsAndRollsBack() {
        long base = latest();
        var full = source(TestSources.POLICIES).toBuilder()
                .addTemplates(PolicyTemplate.newBuilder().setId("t").setBody("permit(principal == ?principal, action == Action::\"call\", resource);"))
                .addTemplateLinks(TemplateLink.newBuilder().setTemplateId("t").setLinkId("t-1")
                        .putSlots("?principal", "Workload::\"spiffe://pol.test/ns/a/sa/b\"")).build();
        var one = admin.putPolicySet(put(full).setComment("first").setExpectedVersion(base).build()).getVersion();
        assertThat(one.getVersion()).isEqualTo(base + 1);
        assertThat(one.getAuthor()).isEqualTo(ADMIN);
        assertThat(one.getState()).isEqualTo(PolicySetVersionState.POLICY_SET_VERSION_STATE_ACTIVE);
        assertThat(one.getPolicyCount()).isEqualTo(3);
        assertThat(Instant.ofEpochSecond(one.getCreatedAt().getSeconds())).isBefore(Instant.now().plusSeconds(5));

        var shadow = admin.putPolicySet(put(source("@id(\"s\") permit(principal, action == Action::\"call\", resource);"))
                .setShadow(true).setComment("try").build()).getVersion();
        assertThat(shadow.getState()).isEqualTo(PolicySetVersionState.POLICY_SET_VERSION_STATE_SHADOW);

        var got = admin.getPolicySet(GetPolicySetRequest.newBuilder().setTrustDomain(PolicyServer.DOMAIN).build()).getPolicySet();
        assertThat(got.getVersion().getVersion()).isEqualTo(base + 1);
        assertThat(got.getSource()).isEqualTo(full);
        assertThat(admin.getPolicySet(GetPolicySetRequest.newBuilder().setTrustDomain(PolicyServer.DOMAIN).setShadow(true).build())
                .getPolicySet().getVersion().getVersion()).isEqualTo(base + 2);

        var list = admin.listPolicyVersions(ListPolicyVersionsRequest.newBuilder().setTrustDomain(PolicyServer.DOMAIN).setPageSize(1).build());
        assertThat(list.getVersions(0).getVersion()).isEqualTo(base + 2);
        assertThat(list.getActiveVersion()).isEqualTo(base + 1);
        assertThat(list.getShadowVersion()).isEqualTo(base + 2);
        assertThat(list.getNextPageToken()).isNotEmpty();
        var next = admin.listPolicyVersions(ListPolicyVersionsRequest.newBuilder().setTrustDomain(PolicyServer.DOMAIN).setPageSize(1)
                .setPageToken(list.getNextPageToken()).build());
        assertThat(next.getVersions(0).getVersion()).isEqualTo(base + 1);

        var back = admin.rollback(RollbackRequest.newBuilder().setTrustDomain(PolicyServer.DOMAIN).setTargetVersion(base + 2).build())
                .getVersion();
        assertThat(back.getVersion()).isEqualTo(base + 3);
        assertThat(back.getCopiedFromVersion()).isEqualTo(base + 2);
        assertThat(back.getComment()).isEqualTo("rollback to version " + (base + 2));
        var after = admin.listPolicyVersions(ListPolicyVersionsRequest.newBuilder().setTrustDomain(PolicyServer.DOMAIN).build());
        assertThat(after.getActiveVersion()).isEqualTo(base + 3);
        assertThat(after.getShadowVersion()).isZero();

        var events = server.context().getBean(AuditLog.class).find(new AuditQuery(PolicyServer.DOMAIN, Instant.EPOCH, Optional.empty(), 100));
        assertThat(events).extracting(AuditEvent::action).contains("policy.put", "policy.put_shadow", "policy.rollback");
    }

    @Test
    void invalidPolicySet_isInvalidArgument_withEveryErrorInTheDetails_andNothingIsStored() {
        long before = latest();
        String policies = """
                @id("ok") permit(principal, action == Action::"call", resource);
                @id("entity") permit(principal is Nope, action == Action::"call", resource);
                @id("parse") permit(principal, actio, resource);
                """;
        var request = put(source(policies)).build();
        Throwable e = org.assertj.core.api.Assertions.catchThrowable(() -> admin.putPolicySet(request));

        assertThat(status(e).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        com.google.rpc.Status details = StatusProto.fromThrowable(e);
        assertThat(details).isNotNull();
        PolicySetValidationFailure failure = unpack(details, PolicySetValidationFailure.class);
        assertThat(failure.getErrorsList()).extracting(io.meshid.proto.policy.v1.ValidationError::getPolicyId)
                .contains("entity", "parse").doesNotContain("ok");
        assertThat(failure.getErrorsList()).allMatch(v -> v.getPart() == PolicySetPart.POLICY_SET_PART_POLICIES && v.hasLocation());
        BadRequest bad = unpack(details, BadRequest.class);
        assertThat(bad.getFieldViolationsCount()).isEqualTo(failure.getErrorsCount());
        assertThat(bad.getFieldViolationsList()).allMatch(v -> v.getField().equals("source.policies"));
        assertThat(bad.getFieldViolationsList()).anyMatch(v -> v.getDescription().matches("entity:2:\\d+: .*Nope.*"));
        int column = "@id(\"parse\") permit(principal, ".length() + 1; // where the parser stopped: at "actio"
        assertThat(bad.getFieldViolationsList()).anyMatch(v -> v.getDescription().startsWith("parse:3:" + column + ": "));
        ErrorInfo info = unpack(details, ErrorInfo.class);
        assertThat(info.getReason()).isEqualTo("POLICY_SET_INVALID");
        assertThat(info.getDomain()).isEqualTo("meshid.io");
        assertThat(info.getMetadataMap()).containsEntry("error_count", String.valueOf(failure.getErrorsCount()));
        assertThat(latest()).isEqualTo(before);

        var validated = admin.validatePolicySet(ValidatePolicySetRequest.newBuilder().setTrustDomain(PolicyServer.DOMAIN)
                .setSource(source(policies)).build());
        assertThat(validated.getValid()).isFalse();
        assertThat(validated.getErrorsList()).isEqualTo(failure.getErrorsList());
        assertThat(admin.validatePolicySet(ValidatePolicySetRequest.newBuilder().setTrustDomain(PolicyServer.DOMAIN)
                .setSource(source(TestSources.POLICIES)).build()).getValid()).isTrue();
        assertThat(latest()).isEqualTo(before);
    }

    @Test
    void staleExpectedVersion_isAborted_withTheLatestVersion() {
        admin.putPolicySet(put(source(TestSources.POLICIES)).build());
        long latest = latest();
        Throwable e = org.assertj.core.api.Assertions.catchThrowable(
                () -> admin.putPolicySet(put(source(TestSources.POLICIES)).setExpectedVersion(latest - 1).build()));
        assertThat(status(e).getCode()).isEqualTo(Status.Code.ABORTED);
        ErrorInfo info = unpack(StatusProto.fromThrowable(e), ErrorInfo.class);
        assertThat(info.getReason()).isEqualTo("VERSION_MISMATCH");
        assertThat(info.getMetadataMap()).containsEntry("latest_version", String.valueOf(latest));
        Throwable r = org.assertj.core.api.Assertions.catchThrowable(() -> admin.rollback(RollbackRequest.newBuilder()
                .setTrustDomain(PolicyServer.DOMAIN).setTargetVersion(1).setExpectedVersion(latest + 5).build()));
        assertThat(status(r).getCode()).isEqualTo(Status.Code.ABORTED);
        assertThat(latest()).isEqualTo(latest);
    }

    @Test
    void nonAdmins_andAdminsOfAnotherTrustDomain_areRefused() {
        var workload = PolicyAdminServiceGrpc.newBlockingStub(server.channelAs("spiffe://pol.test/ns/a/sa/b"));
        long before = latest();
        assertStatus(() -> workload.putPolicySet(put(source(TestSources.POLICIES)).build()), Status.Code.PERMISSION_DENIED,
                "caller spiffe://pol.test/ns/a/sa/b may not call meshid.policy.v1.PolicyAdminService/PutPolicySet");
        assertStatus(() -> workload.getPolicySet(GetPolicySetRequest.newBuilder().setTrustDomain(PolicyServer.DOMAIN).build()),
                Status.Code.PERMISSION_DENIED, "caller");
        assertStatus(() -> workload.listPolicyVersions(ListPolicyVersionsRequest.newBuilder().setTrustDomain(PolicyServer.DOMAIN).build()),
                Status.Code.PERMISSION_DENIED, "caller");

        Consumer<Runnable> deniedInOther = call -> assertStatus(call, Status.Code.PERMISSION_DENIED, "caller " + ADMIN);
        deniedInOther.accept(() -> admin.putPolicySet(put(source(TestSources.POLICIES)).setTrustDomain("other.test").build()));
        deniedInOther.accept(() -> admin.validatePolicySet(ValidatePolicySetRequest.newBuilder().setTrustDomain("other.test")
                .setSource(source(TestSources.POLICIES)).build()));
        deniedInOther.accept(() -> admin.getPolicySet(GetPolicySetRequest.newBuilder().setTrustDomain("other.test").build()));
        deniedInOther.accept(() -> admin.listPolicyVersions(ListPolicyVersionsRequest.newBuilder().setTrustDomain("other.test").build()));
        deniedInOther.accept(() -> admin.rollback(RollbackRequest.newBuilder().setTrustDomain("other.test").setTargetVersion(1).build()));
        assertThat(latest()).isEqualTo(before);
        // Every refusal is in the trail of the caller's trust domain, whoever refused it (table or tenant scoping).
        var denied = server.context().getBean(AuditLog.class).find(new AuditQuery(PolicyServer.DOMAIN, Instant.EPOCH,
                Optional.of(io.meshid.common.authz.AuthorizationInterceptor.ACTION), 1000));
        assertThat(denied).filteredOn(e -> e.actor().equals("spiffe://pol.test/ns/a/sa/b")).extracting(AuditEvent::target)
                .contains("meshid.policy.v1.PolicyAdminService/PutPolicySet", "meshid.policy.v1.PolicyAdminService/GetPolicySet",
                        "meshid.policy.v1.PolicyAdminService/ListPolicyVersions");
        assertThat(denied).filteredOn(e -> e.actor().equals(ADMIN)).extracting(AuditEvent::detail)
                .anyMatch(d -> d.contains("may not change policies in other.test"))
                .anyMatch(d -> d.contains("may not roll back policies in other.test"));
        assertThat(denied).extracting(AuditEvent::outcome).containsOnly(AuditEvent.Outcome.DENIED);
    }

    @Test
    void badRequests_getAClearStatus_andStoreNothing() {
        long before = latest();
        String big = "@id(\"x\") permit(principal, action, resource) when { \"" + "a".repeat(1 << 20) + "\" == \"\" };";
        assertStatus(() -> admin.putPolicySet(put(source(big)).build()), Status.Code.INVALID_ARGUMENT, "source.policies: ");
        var tooManyLinks = source(TestSources.POLICIES).toBuilder();
        for (int i = 0; i < 10_001; i++) {
            tooManyLinks.addTemplateLinks(TemplateLink.newBuilder().setTemplateId("t").setLinkId("l" + i));
        }
        assertStatus(() -> admin.putPolicySet(put(tooManyLinks.build()).build()), Status.Code.INVALID_ARGUMENT,
                "source.template_links: 10001");
        assertStatus(() -> admin.putPolicySet(put(source(TestSources.POLICIES)).setTrustDomain("Bad Domain").build()),
                Status.Code.INVALID_ARGUMENT, "trust_domain: ");
        assertStatus(() -> admin.putPolicySet(put(source(TestSources.POLICIES)).setComment("c".repeat(1025)).build()),
                Status.Code.INVALID_ARGUMENT, "comment: 1025 characters");
        assertStatus(() -> admin.putPolicySet(PutPolicySetRequest.newBuilder().setTrustDomain(PolicyServer.DOMAIN).build()),
                Status.Code.INVALID_ARGUMENT, "source: not set");
        assertStatus(() -> admin.putPolicySet(put(PolicySetSource.newBuilder().setPolicies(TestSources.POLICIES).build()).build()),
                Status.Code.INVALID_ARGUMENT, "source.schema: not set");
        assertStatus(() -> admin.getPolicySet(GetPolicySetRequest.newBuilder().setTrustDomain(PolicyServer.DOMAIN).setVersion(1)
                .setShadow(true).build()), Status.Code.INVALID_ARGUMENT, "version and shadow");
        assertStatus(() -> admin.getPolicySet(GetPolicySetRequest.newBuilder().setTrustDomain(PolicyServer.DOMAIN).setVersion(99_999)
                .build()), Status.Code.NOT_FOUND, "trust domain pol.test has no version 99999");
        assertStatus(() -> admin.rollback(RollbackRequest.newBuilder().setTrustDomain(PolicyServer.DOMAIN).build()),
                Status.Code.INVALID_ARGUMENT, "target_version: 0");
        assertStatus(() -> admin.rollback(RollbackRequest.newBuilder().setTrustDomain(PolicyServer.DOMAIN).setTargetVersion(99_999).build()),
                Status.Code.NOT_FOUND, "trust domain pol.test has no version 99999");
        assertStatus(() -> admin.rollback(RollbackRequest.newBuilder().setTrustDomain(PolicyServer.DOMAIN).setTargetVersion(1)
                .setComment("c".repeat(1025)).build()), Status.Code.INVALID_ARGUMENT, "comment: 1025");
        assertStatus(() -> admin.listPolicyVersions(ListPolicyVersionsRequest.newBuilder().setTrustDomain(PolicyServer.DOMAIN)
                .setPageToken("garbage").build()), Status.Code.INVALID_ARGUMENT, "page_token");
        assertStatus(() -> admin.listPolicyVersions(ListPolicyVersionsRequest.newBuilder().setTrustDomain(PolicyServer.DOMAIN)
                .setPageSize(1001).build()), Status.Code.INVALID_ARGUMENT, "page_size: 1001");
        assertStatus(() -> admin.validatePolicySet(ValidatePolicySetRequest.newBuilder().setTrustDomain("").build()),
                Status.Code.INVALID_ARGUMENT, "trust_domain: ");
        assertThat(latest()).isEqualTo(before);
    }

    /**
     * The attack: a policy nested deeper than Cedar's native parser can recurse used to end the
     * whole policy-server in a segmentation fault (100 parentheses were enough; a long {@code &&}
     * chain, nested {@code if}s and nested record types in a schema likewise). Refused before any
     * native call, through put and validate, and the server keeps serving.
     */
    @Test
    void policiesNestedBeyondWhatCedarCanParse_areRefused_andTheServerLives() {
        long before = latest();
        String deepParens = "@id(\"deep\") permit(principal, action, resource) when { " + "(true && ".repeat(100) + "true"
                + ")".repeat(100) + " };";
        String longChain = "@id(\"chain\") permit(principal, action, resource) when { true" + " && true".repeat(20_000) + " };";
        String deepIfs = "@id(\"ifs\") permit(principal, action, resource) when { " + "if true then ".repeat(1_000) + "true"
                + " else false".repeat(1_000) + " };";
        assertStatus(() -> admin.putPolicySet(put(source(deepParens)).build()), Status.Code.INVALID_ARGUMENT,
                "source.policies: line 1, column 335: brackets nested 33 deep (expected: at most 32");
        assertStatus(() -> admin.validatePolicySet(ValidatePolicySetRequest.newBuilder().setTrustDomain(PolicyServer.DOMAIN)
                .setSource(source(deepParens)).build()), Status.Code.INVALID_ARGUMENT, "source.policies: line 1, column 335: brackets nested 33");
        assertStatus(() -> admin.putPolicySet(put(source(longChain)).build()), Status.Code.INVALID_ARGUMENT,
                "source.policies: line 1, column 8062: 1001 operators in one statement (expected: at most 1000");
        assertStatus(() -> admin.putPolicySet(put(source(deepIfs)).build()), Status.Code.INVALID_ARGUMENT,
                "source.policies: line 1, column 887: 65 if expressions in one statement (expected: at most 64");
        String deepSchema = "entity Workload = " + "{ a: ".repeat(100) + "Long" + " }".repeat(100) + ";";
        assertStatus(() -> admin.putPolicySet(put(source(TestSources.POLICIES).toBuilder().setSchemaCedar(deepSchema).build()).build()),
                Status.Code.INVALID_ARGUMENT, "source.schema: line 1, column ");
        assertThat(latest()).isEqualTo(before);
        assertThat(admin.putPolicySet(put(source(TestSources.POLICIES)).build()).getVersion().getVersion()).isGreaterThan(before);
    }

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> badPolicySets() {
        String call = "action == Action::\"call\"";
        PolicySetSource.Builder linked = source(TestSources.POLICIES).toBuilder()
                .addTemplates(PolicyTemplate.newBuilder().setId("t").setBody("permit(principal == ?principal, " + call + ", resource in ?resource);"));
        return java.util.stream.Stream.of(
                org.junit.jupiter.params.provider.Arguments.of("does not parse", source("@id(\"p\") permit(principal, " + call + ";"), "parse_error"),
                org.junit.jupiter.params.provider.Arguments.of("unknown entity type",
                        source("@id(\"p\") permit(principal is Robot, " + call + ", resource);"), "unknown_entity_type"),
                org.junit.jupiter.params.provider.Arguments.of("unknown action",
                        source("@id(\"p\") permit(principal, action == Action::\"fly\", resource);"), "unknown_action"),
                org.junit.jupiter.params.provider.Arguments.of("unknown attribute",
                        source("@id(\"p\") permit(principal, " + call + ", resource) when { resource.owner == \"x\" };"), "unknown_attribute"),
                org.junit.jupiter.params.provider.Arguments.of("type error",
                        source("@id(\"p\") permit(principal, " + call + ", resource) when { context.path > 3 };"), "type_error"),
                org.junit.jupiter.params.provider.Arguments.of("missing @id", source("permit(principal, " + call + ", resource);"), "missing_id"),
                org.junit.jupiter.params.provider.Arguments.of("duplicate id",
                        source("@id(\"p\") permit(principal, " + call + ", resource);\n@id(\"p\") forbid(principal, " + call + ", resource);"),
                        "duplicate_id"),
                org.junit.jupiter.params.provider.Arguments.of("link to an unknown template", linked.clone().addTemplateLinks(
                        TemplateLink.newBuilder().setTemplateId("missing").setLinkId("l").putSlots("?principal", "Workload::\"a\"")).build(),
                        "unknown_template"),
                org.junit.jupiter.params.provider.Arguments.of("unfilled slot", linked.clone().addTemplateLinks(
                        TemplateLink.newBuilder().setTemplateId("t").setLinkId("l").putSlots("?principal", "Workload::\"a\"")).build(),
                        "unfilled_slot"),
                org.junit.jupiter.params.provider.Arguments.of("broken schema",
                        PolicySetSource.newBuilder().setSchemaCedar("entity Workload { path: Strng };").setPolicies("").build(), "schema_error"));
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.MethodSource("badPolicySets")
    void eachKindOfInvalidSet_isInvalidArgument_withItsCode_andNothingIsStored(String what, PolicySetSource source, String code) {
        long before = latest();
        Throwable e = org.assertj.core.api.Assertions.catchThrowable(() -> admin.putPolicySet(put(source).build()));
        assertThat(status(e).getCode()).as(what).isEqualTo(Status.Code.INVALID_ARGUMENT);
        PolicySetValidationFailure failure = unpack(StatusProto.fromThrowable(e), PolicySetValidationFailure.class);
        assertThat(failure.getErrorsList()).as(what).extracting(io.meshid.proto.policy.v1.ValidationError::getCode).contains(code);
        assertThat(latest()).as(what).isEqualTo(before);
    }

    private static <T extends com.google.protobuf.Message> T unpack(com.google.rpc.Status status, Class<T> type) {
        return status.getDetailsList().stream().filter(d -> d.is(type)).findFirst().map(d -> {
            try {
                return d.unpack(type);
            } catch (com.google.protobuf.InvalidProtocolBufferException x) {
                throw new IllegalStateException(x);
            }
        }).orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " in " + status));
    }
}
