package io.meshid.policy.cedar;

import io.meshid.common.errors.MeshidException;

/**
 * A template link: the policy {@code linkId} made from template {@code templateId} with its
 * {@code ?principal} and {@code ?resource} slots filled ({@code null} for a slot the template does
 * not have). Immutable and thread-safe.
 */
public record TemplateLinkSource(String linkId, String templateId, EntityRef principal, EntityRef resource) {

    public TemplateLinkSource {
        if (linkId == null || linkId.isBlank() || templateId == null || templateId.isBlank()) {
            throw new MeshidException.InvalidArgument("template link: id " + linkId + ", template " + templateId
                    + " (expected: both non-empty)");
        }
        if (principal == null && resource == null) {
            throw new MeshidException.InvalidArgument("template link " + linkId
                    + ": no slot value (expected: ?principal, ?resource or both)");
        }
    }
}
