package io.meshid.common.audit;

import com.google.protobuf.Timestamp;
import io.grpc.stub.StreamObserver;
import io.meshid.common.authz.Grant;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.proto.common.v1.AuditOutcome;
import io.meshid.proto.common.v1.AuditServiceGrpc;
import io.meshid.proto.common.v1.ListAuditEventsRequest;
import io.meshid.proto.common.v1.ListAuditEventsResponse;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.Optional;

/**
 * The {@code meshid.common.v1.AuditService} gRPC service, served by every meshid server that keeps
 * an audit table. Admins only (each server's authorization table lists it as {@code ADMIN}); an
 * admin reads its own trust domain's events, and naming another trust domain is refused, never
 * answered with an empty page. A thin adapter over {@link AuditReader}; page tokens are
 * {@link AuditPageTokens}. Thread-safe.
 */
@Singleton
@Requires(beans = AuditReader.class)
final class AuditServiceEndpoint extends AuditServiceGrpc.AuditServiceImplBase {

    private final AuditReader reader;

    AuditServiceEndpoint(AuditReader reader) {
        this.reader = reader;
    }

    @Override
    public void listAuditEvents(ListAuditEventsRequest request, StreamObserver<ListAuditEventsResponse> response) {
        SpiffeId caller = Grant.current().caller();
        String domain = caller.trustDomain().name();
        if (!request.getTrustDomain().isEmpty() && !request.getTrustDomain().equals(domain)) {
            throw new MeshidException.PermissionDenied("caller " + caller + " may not read the audit events of "
                    + request.getTrustDomain() + " (expected: its own trust domain, " + domain + ")");
        }
        if (request.getPageSize() < 0 || request.getPageSize() > AuditPageQuery.MAX_PAGE_SIZE) {
            throw new MeshidException.InvalidArgument("page_size: " + request.getPageSize() + " (expected: 0 for "
                    + AuditPageQuery.DEFAULT_PAGE_SIZE + ", or between 1 and " + AuditPageQuery.MAX_PAGE_SIZE + ")");
        }
        if (request.getOutcome() == AuditOutcome.UNRECOGNIZED) {
            throw new MeshidException.InvalidArgument("outcome: unknown value (expected: SUCCESS, DENIED or FAILED, or unset)");
        }
        String filters = AuditPageTokens.filters(domain, request);
        AuditPageQuery query;
        try {
            query = new AuditPageQuery(domain,
                    request.hasSince() ? Optional.of(instant(request.getSince())) : Optional.empty(),
                    request.hasUntil() ? Optional.of(instant(request.getUntil())) : Optional.empty(),
                    nonEmpty(request.getAction()), nonEmpty(request.getActor()), outcome(request.getOutcome()),
                    request.getPageSize() == 0 ? AuditPageQuery.DEFAULT_PAGE_SIZE : request.getPageSize(),
                    AuditPageTokens.read(request.getPageToken(), filters));
        } catch (IllegalArgumentException e) {
            throw new MeshidException.InvalidArgument(e.getMessage(), e);
        }
        AuditPage page = reader.page(query);
        ListAuditEventsResponse.Builder reply = ListAuditEventsResponse.newBuilder();
        page.events().forEach(e -> reply.addEvents(message(e)));
        page.next().ifPresent(p -> reply.setNextPageToken(AuditPageTokens.write(p, filters)));
        response.onNext(reply.build());
        response.onCompleted();
    }

    private static io.meshid.proto.common.v1.AuditEvent message(AuditEvent e) {
        return io.meshid.proto.common.v1.AuditEvent.newBuilder()
                .setId(e.id().toString())
                .setOccurredAt(Timestamp.newBuilder().setSeconds(e.occurredAt().getEpochSecond()).setNanos(e.occurredAt().getNano()))
                .setTrustDomain(e.trustDomain()).setActor(e.actor()).setAction(e.action()).setTarget(e.target())
                .setOutcome(switch (e.outcome()) {
                    case SUCCESS -> AuditOutcome.AUDIT_OUTCOME_SUCCESS;
                    case DENIED -> AuditOutcome.AUDIT_OUTCOME_DENIED;
                    case FAILED -> AuditOutcome.AUDIT_OUTCOME_FAILED;
                })
                .setDetail(e.detail()).setRequestId(e.requestId()).build();
    }

    private static Optional<AuditEvent.Outcome> outcome(AuditOutcome outcome) {
        return switch (outcome) {
            case AUDIT_OUTCOME_SUCCESS -> Optional.of(AuditEvent.Outcome.SUCCESS);
            case AUDIT_OUTCOME_DENIED -> Optional.of(AuditEvent.Outcome.DENIED);
            case AUDIT_OUTCOME_FAILED -> Optional.of(AuditEvent.Outcome.FAILED);
            case AUDIT_OUTCOME_UNSPECIFIED, UNRECOGNIZED -> Optional.empty();
        };
    }

    private static Instant instant(Timestamp t) {
        if (t.getNanos() < 0 || t.getNanos() > 999_999_999) {
            throw new IllegalArgumentException("timestamp: nanos " + t.getNanos() + " (expected: 0 to 999999999)");
        }
        try {
            return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
        } catch (java.time.DateTimeException e) {
            throw new IllegalArgumentException("timestamp: " + t.getSeconds() + " s (expected: a representable instant)", e);
        }
    }

    private static Optional<String> nonEmpty(String value) {
        return value.isEmpty() ? Optional.empty() : Optional.of(value);
    }
}
