package io.meshid.policy.store;

import io.meshid.common.audit.AuditEvent;
import io.meshid.common.audit.AuditEvent.Outcome;
import io.meshid.common.audit.AuditLog;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.errors.MeshidException.InvalidArgument;
import io.meshid.common.server.RequestIds;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.store.SharedStore;
import io.meshid.policy.validation.PolicySetValidator;
import io.meshid.policy.validation.ValidationReport;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The policy store's rules over its tables: bounds, validation before anything is written,
 * optimistic concurrency, rollback as a copy, keyset pages, audit events for every write
 * (and every refused one), and the announcement on {@link PolicyStore#CHANNEL} after the commit.
 * Thread-safe.
 */
@Singleton
final class DefaultPolicyStore implements PolicyStore {

    private static final Logger LOG = LoggerFactory.getLogger(DefaultPolicyStore.class);
    private static final int DEFAULT_PAGE = 100;
    private static final int MAX_PAGE = 1000;

    private final PolicyRepository repository;
    private final AuditLog audit;
    private final SharedStore shared;
    private final Clock clock;

    DefaultPolicyStore(PolicyRepository repository, AuditLog audit, SharedStore shared, Clock clock) {
        this.repository = repository;
        this.audit = audit;
        this.shared = shared;
        this.clock = clock;
    }

    @Override
    public PutResult put(PutParams p) {
        comment(p.comment());
        String action = p.shadow() ? "policy.put_shadow" : "policy.put";
        ValidationReport report = PolicySetValidator.validate(p.source());
        if (!report.valid()) {
            record(p.trustDomain(), p.author().toString(), action, "policy set", Outcome.FAILED,
                    report.errors().size() + " validation error(s), first " + report.errors().get(0).describe());
            throw new PolicySetInvalidException(report);
        }
        int count = report.policyCount();
        VersionInfo info = append(p.trustDomain(), p.expectedVersion(), action, p.author().toString(),
                new PolicyRepository.NewVersion(p.author().toString(), now(), p.comment(), p.shadow(), 0, count, p.source()));
        return new PutResult(info, report.warnings());
    }

    @Override
    public ValidationReport validate(PolicySetSource source) {
        return PolicySetValidator.validate(source);
    }

    @Override
    public StoredPolicySet get(TrustDomain domain, OptionalLong version, boolean shadow) {
        if (version.isPresent() && shadow) {
            throw new InvalidArgument("version and shadow: both set (expected: at most one of them)");
        }
        Heads heads = repository.heads(domain);
        long number = version.isPresent() ? version.getAsLong() : shadow ? heads.shadow() : heads.active();
        String what = version.isPresent() ? "version " + number : shadow ? "shadow version" : "active version";
        if (number < 1) {
            throw new MeshidException.NotFound("trust domain " + domain + " has no " + what);
        }
        return repository.version(domain, number, heads).orElseThrow(() -> new MeshidException.NotFound(
                "trust domain " + domain + " has no " + what + " (latest: " + heads.latest() + ")"));
    }

    @Override
    public VersionPage list(TrustDomain domain, int pageSize, String pageToken) {
        if (pageSize < 0 || pageSize > MAX_PAGE) {
            throw new InvalidArgument("page_size: " + pageSize + " (expected: between 1 and " + MAX_PAGE + ", or 0 for "
                    + DEFAULT_PAGE + ")");
        }
        int size = pageSize == 0 ? DEFAULT_PAGE : pageSize;
        long before = pageToken.isEmpty() ? Long.MAX_VALUE : decodeToken(domain, pageToken);
        Heads heads = repository.heads(domain);
        List<VersionInfo> rows = new ArrayList<>(repository.list(domain, before, size + 1, heads));
        Optional<String> next = Optional.empty();
        if (rows.size() > size) {
            rows = rows.subList(0, size);
            next = Optional.of(encodeToken(domain, rows.get(size - 1).version()));
        }
        return new VersionPage(rows, next, heads.active(), heads.shadow());
    }

    @Override
    public VersionInfo rollback(RollbackParams p) {
        if (p.targetVersion() < 1) {
            throw new InvalidArgument("target_version: " + p.targetVersion() + " (expected: at least 1)");
        }
        comment(p.comment());
        Heads heads = repository.heads(p.trustDomain());
        StoredPolicySet target = repository.version(p.trustDomain(), p.targetVersion(), heads)
                .orElseThrow(() -> new MeshidException.NotFound("trust domain " + p.trustDomain() + " has no version "
                        + p.targetVersion() + " (latest: " + heads.latest() + ")"));
        String comment = p.comment().isEmpty() ? "rollback to version " + p.targetVersion() : p.comment();
        return append(p.trustDomain(), p.expectedVersion(), "policy.rollback", p.author().toString(),
                new PolicyRepository.NewVersion(p.author().toString(), now(), comment, false, p.targetVersion(),
                        target.info().policyCount(), target.source()));
    }

    @Override
    public List<Heads> heads() {
        return repository.allHeads();
    }

    @Override
    public Heads heads(TrustDomain domain) {
        return repository.heads(domain);
    }

    @Override
    public Optional<StoredPolicySet> version(TrustDomain domain, long version) {
        return repository.version(domain, version, repository.heads(domain));
    }

    private VersionInfo append(TrustDomain domain, OptionalLong expected, String action, String actor,
            PolicyRepository.NewVersion v) {
        VersionInfo info;
        try {
            info = repository.append(domain, heads -> {
                if (expected.isPresent() && expected.getAsLong() != heads.latest()) {
                    throw new VersionMismatchException(expected.getAsLong(), heads.latest());
                }
            }, v);
        } catch (VersionMismatchException e) {
            record(domain, actor, action, "policy set", Outcome.FAILED, e.getMessage());
            throw e;
        }
        record(domain, actor, action, "version " + info.version(), Outcome.SUCCESS,
                (v.copiedFrom() > 0 ? "copy of version " + v.copiedFrom() + "; " : "") + v.comment());
        try {
            shared.publish(CHANNEL, domain.name() + " " + info.version());
        } catch (RuntimeException e) {
            LOG.warn("policy version {} of {} stored, but not announced ({}); other replicas see it at their next poll",
                    info.version(), domain, e.getMessage());
        }
        return info;
    }

    private void record(TrustDomain domain, String actor, String action, String target, Outcome outcome, String detail) {
        audit.record(AuditEvent.of(clock.instant(), domain.name(), actor, action, target, outcome, detail, RequestIds.current()));
    }

    private java.time.Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    private static void comment(String comment) {
        if (comment.length() > MAX_COMMENT) {
            throw new InvalidArgument("comment: " + comment.length() + " characters (expected: at most " + MAX_COMMENT + ")");
        }
    }

    private static String encodeToken(TrustDomain domain, long lastVersion) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString((domain.name() + "\n" + lastVersion).getBytes(StandardCharsets.UTF_8));
    }

    private static long decodeToken(TrustDomain domain, String token) {
        try {
            String[] parts = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8).split("\n", 2);
            if (parts.length == 2 && parts[0].equals(domain.name())) {
                long v = Long.parseLong(parts[1]);
                if (v > 0) {
                    return v;
                }
            }
        } catch (IllegalArgumentException e) {
            // falls through to the refusal
        }
        throw new InvalidArgument("page_token: not a token of this trust domain's list (expected: the next_page_token of a "
                + "previous ListPolicyVersions reply for " + domain + ")");
    }
}
