package io.meshid.cli.audit;

import com.google.protobuf.Timestamp;
import io.meshid.cli.CliException;
import io.meshid.cli.Converters;
import io.meshid.cli.Output;
import io.meshid.cli.ServerCommand;
import io.meshid.cli.ServerKind;
import io.meshid.cli.Session;
import io.meshid.proto.common.v1.AuditEvent;
import io.meshid.proto.common.v1.AuditOutcome;
import io.meshid.proto.common.v1.AuditServiceGrpc;
import io.meshid.proto.common.v1.ListAuditEventsRequest;
import io.meshid.proto.common.v1.ListAuditEventsResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code meshctl audit}: AuditService.ListAuditEvents on cert-authority, identity-server and
 * policy-server, merged newest first. Each server's trail holds only what that server did.
 */
@Command(name = "audit", description = "The audit trail of your trust domain on every server, merged newest first.")
public final class AuditCommand extends ServerCommand {

    @Option(names = "--since", paramLabel = "TIME", converter = Converters.InstantConverter.class,
            description = "Only events at or after TIME: ISO-8601 or an age such as 15m or 2h.")
    Instant since;

    @Option(names = "--until", paramLabel = "TIME", converter = Converters.InstantConverter.class,
            description = "Only events before TIME.")
    Instant until;

    @Option(names = "--kind", paramLabel = "ACTION", description = "Only this kind of event, such as registry.create_entry.")
    String kind = "";

    @Option(names = "--actor", paramLabel = "ID", description = "Only events of this caller (a SPIFFE ID, a client id, anonymous).")
    String actor = "";

    @Option(names = "--outcome", paramLabel = "success|denied|failed", description = "Only events with this outcome.")
    String outcome;

    @Option(names = "--on", paramLabel = "ca|identity|policy", split = ",",
            description = "Only these servers (default: all three).")
    List<String> on = new ArrayList<>();

    @Option(names = "--limit", paramLabel = "N", defaultValue = "100", description = "At most N events (default ${DEFAULT-VALUE}, at most 10000).")
    int limit;

    /** An event and the server that recorded it. */
    record Row(String server, AuditEvent event) {
    }

    @Override
    protected int run(Session session, Output out) {
        if (limit < 1 || limit > 10_000) {
            throw CliException.usage("--limit " + limit + " (expected: between 1 and 10000)");
        }
        if (since != null && until != null && since.isAfter(until)) {
            throw CliException.usage("--since " + since + " is after --until " + until + " (expected: since before until)");
        }
        AuditOutcome wanted = outcome == null ? AuditOutcome.AUDIT_OUTCOME_UNSPECIFIED : switch (outcome.toLowerCase(Locale.ROOT)) {
            case "success" -> AuditOutcome.AUDIT_OUTCOME_SUCCESS;
            case "denied" -> AuditOutcome.AUDIT_OUTCOME_DENIED;
            case "failed" -> AuditOutcome.AUDIT_OUTCOME_FAILED;
            default -> throw CliException.usage("--outcome '" + outcome + "' (expected: success, denied or failed)");
        };
        Set<ServerKind> servers = new LinkedHashSet<>();
        for (String name : on) {
            servers.add(switch (name.trim()) {
                case "ca" -> ServerKind.CA;
                case "identity" -> ServerKind.IDENTITY;
                case "policy" -> ServerKind.POLICY;
                default -> throw CliException.usage("--on '" + name + "' (expected: ca, identity or policy, comma-separated)");
            });
        }
        if (servers.isEmpty()) {
            servers.addAll(List.of(ServerKind.values()));
        }
        ListAuditEventsRequest.Builder base = ListAuditEventsRequest.newBuilder().setTrustDomain(session.trustDomain().name())
                .setAction(kind).setActor(actor).setOutcome(wanted);
        if (since != null) {
            base.setSince(timestamp(since));
        }
        if (until != null) {
            base.setUntil(timestamp(until));
        }
        List<Row> rows = new ArrayList<>();
        for (ServerKind server : servers) {
            int taken = 0;
            String token = "";
            do {
                ListAuditEventsRequest request = base.clone().setPageSize(Math.min(1000, limit - taken)).setPageToken(token).build();
                ListAuditEventsResponse page = session.call(server,
                        () -> session.stub(server, AuditServiceGrpc::newBlockingStub).listAuditEvents(request));
                page.getEventsList().forEach(e -> rows.add(new Row(server.serverName(), e)));
                taken += page.getEventsCount();
                token = page.getNextPageToken();
            } while (!token.isEmpty() && taken < limit);
        }
        rows.sort(Comparator.comparing((Row r) -> r.event().getOccurredAt().getSeconds())
                .thenComparing(r -> r.event().getOccurredAt().getNanos()).thenComparing(r -> r.event().getId()).reversed());
        List<Row> shown = rows.subList(0, Math.min(limit, rows.size()));
        if (out.json()) {
            out.line(json(shown));
            return 0;
        }
        Output.Table table = out.table("TIME", "SERVER", "OUTCOME", "ACTION", "ACTOR", "TARGET", "REQUEST ID", "DETAIL");
        for (Row r : shown) {
            AuditEvent e = r.event();
            table.row(Output.time(e.getOccurredAt()), r.server(), e.getOutcome().name().replace("AUDIT_OUTCOME_", "").toLowerCase(Locale.ROOT),
                    e.getAction(), e.getActor(), e.getTarget(), e.getRequestId(), e.getDetail().replace('\n', ' '));
        }
        table.print();
        return 0;
    }

    /** {"events": [{"server": ..., <the AuditEvent's fields>}, ...]}. */
    private static String json(List<Row> rows) {
        com.google.gson.JsonArray events = new com.google.gson.JsonArray();
        for (Row r : rows) {
            try {
                com.google.gson.JsonObject o = com.google.gson.JsonParser.parseString(com.google.protobuf.util.JsonFormat.printer()
                        .preservingProtoFieldNames().alwaysPrintFieldsWithNoPresence().print(r.event())).getAsJsonObject();
                o.addProperty("server", r.server());
                events.add(o);
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                throw new IllegalStateException("cannot print an audit event as JSON: " + e.getMessage(), e);
            }
        }
        com.google.gson.JsonObject root = new com.google.gson.JsonObject();
        root.add("events", events);
        return new com.google.gson.GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(root);
    }

    private static Timestamp timestamp(Instant i) {
        return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
    }
}
