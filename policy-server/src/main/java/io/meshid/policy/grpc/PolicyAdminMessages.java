package io.meshid.policy.grpc;

import com.google.protobuf.Timestamp;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.spiffe.InvalidSpiffeIdException;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.policy.store.PolicySetSource;
import io.meshid.policy.store.VersionInfo;
import io.meshid.policy.validation.ValidationError;
import io.meshid.proto.policy.v1.PolicySetPart;
import io.meshid.proto.policy.v1.PolicySetVersion;
import io.meshid.proto.policy.v1.PolicySetVersionState;
import io.meshid.proto.policy.v1.PolicyTemplate;
import io.meshid.proto.policy.v1.SourceLocation;
import io.meshid.proto.policy.v1.TemplateLink;
import java.util.List;

/** Conversions between policy_admin.proto messages and the store's values. Stateless. */
final class PolicyAdminMessages {

    private PolicyAdminMessages() {
    }

    static PolicySetSource source(boolean present, io.meshid.proto.policy.v1.PolicySetSource s) {
        if (!present) {
            throw new MeshidException.InvalidArgument("source: not set (expected: a policy set with a schema)");
        }
        PolicySetSource.SchemaFormat format = switch (s.getSchemaCase()) {
            case SCHEMA_JSON -> PolicySetSource.SchemaFormat.JSON;
            case SCHEMA_CEDAR -> PolicySetSource.SchemaFormat.CEDAR;
            case SCHEMA_NOT_SET -> throw new MeshidException.InvalidArgument(
                    "source.schema: not set (expected: schema_json or schema_cedar)");
        };
        String schema = format == PolicySetSource.SchemaFormat.JSON ? s.getSchemaJson() : s.getSchemaCedar();
        return new PolicySetSource(format, schema, s.getPolicies(),
                s.getTemplatesList().stream().map(t -> new PolicySetSource.Template(t.getId(), t.getBody())).toList(),
                s.getTemplateLinksList().stream().map(l -> new PolicySetSource.Link(l.getTemplateId(), l.getLinkId(), l.getSlotsMap()))
                        .toList());
    }

    static io.meshid.proto.policy.v1.PolicySetSource source(PolicySetSource s) {
        var b = io.meshid.proto.policy.v1.PolicySetSource.newBuilder().setPolicies(s.policies());
        if (s.schemaFormat() == PolicySetSource.SchemaFormat.JSON) {
            b.setSchemaJson(s.schema());
        } else {
            b.setSchemaCedar(s.schema());
        }
        s.templates().forEach(t -> b.addTemplates(PolicyTemplate.newBuilder().setId(t.id()).setBody(t.body())));
        s.links().forEach(l -> b.addTemplateLinks(TemplateLink.newBuilder().setTemplateId(l.templateId()).setLinkId(l.linkId())
                .putAllSlots(l.slots())));
        return b.build();
    }

    static PolicySetVersion version(VersionInfo v) {
        return PolicySetVersion.newBuilder()
                .setTrustDomain(v.trustDomain().name())
                .setVersion(v.version())
                .setAuthor(v.author())
                .setCreatedAt(Timestamp.newBuilder().setSeconds(v.createdAt().getEpochSecond()).setNanos(v.createdAt().getNano()))
                .setComment(v.comment())
                .setShadow(v.shadow())
                .setState(switch (v.state()) {
                    case ACTIVE -> PolicySetVersionState.POLICY_SET_VERSION_STATE_ACTIVE;
                    case SHADOW -> PolicySetVersionState.POLICY_SET_VERSION_STATE_SHADOW;
                    case INACTIVE -> PolicySetVersionState.POLICY_SET_VERSION_STATE_INACTIVE;
                })
                .setCopiedFromVersion(v.copiedFrom())
                .setPolicyCount(v.policyCount())
                .build();
    }

    static List<io.meshid.proto.policy.v1.ValidationError> errors(List<ValidationError> errors) {
        return errors.stream().map(PolicyAdminMessages::error).toList();
    }

    static io.meshid.proto.policy.v1.ValidationError error(ValidationError e) {
        var b = io.meshid.proto.policy.v1.ValidationError.newBuilder()
                .setPart(switch (e.part()) {
                    case UNSPECIFIED -> PolicySetPart.POLICY_SET_PART_UNSPECIFIED;
                    case SCHEMA -> PolicySetPart.POLICY_SET_PART_SCHEMA;
                    case POLICIES -> PolicySetPart.POLICY_SET_PART_POLICIES;
                    case TEMPLATE -> PolicySetPart.POLICY_SET_PART_TEMPLATE;
                    case TEMPLATE_LINK -> PolicySetPart.POLICY_SET_PART_TEMPLATE_LINK;
                })
                .setIndex(e.index())
                .setPolicyId(e.policyId())
                .setCode(e.code())
                .setMessage(e.message());
        e.location().ifPresent(l -> b.setLocation(SourceLocation.newBuilder().setLine(l.line()).setColumn(l.column())
                .setOffset(l.offset()).setLength(l.length())));
        return b.build();
    }

    /** The trust domain named by a request field, or INVALID_ARGUMENT naming the field. */
    static TrustDomain trustDomain(String value) {
        try {
            return TrustDomain.of(value);
        } catch (InvalidSpiffeIdException e) {
            throw new MeshidException.InvalidArgument("trust_domain: " + e.getMessage());
        }
    }
}
