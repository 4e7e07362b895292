package io.meshid.cli.registry;

import io.meshid.cli.CliException;
import io.meshid.cli.Converters;
import io.meshid.cli.Output;
import io.meshid.cli.ServerCommand;
import io.meshid.cli.ServerKind;
import io.meshid.cli.Session;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.proto.identity.v1.CreateEntryRequest;
import io.meshid.proto.identity.v1.CreateEntryResponse;
import io.meshid.proto.identity.v1.DeleteEntryRequest;
import io.meshid.proto.identity.v1.GetEntryRequest;
import io.meshid.proto.identity.v1.GetEntryResponse;
import io.meshid.proto.identity.v1.ListEntriesRequest;
import io.meshid.proto.identity.v1.ListEntriesResponse;
import io.meshid.proto.identity.v1.RegistrationEntry;
import io.meshid.proto.identity.v1.RegistryServiceGrpc;
import io.meshid.proto.identity.v1.Selector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code meshctl entry create|list|show|delete}: RegistryService's registration entries. */
@Command(name = "entry", description = "Registration entries: who may hold which SPIFFE ID (identity-server).",
        subcommands = {EntryCommand.Create.class, EntryCommand.ListCommand.class, EntryCommand.Show.class, EntryCommand.Delete.class})
public final class EntryCommand {

    private static final int MAX_LISTED = 100_000;

    /** {@code entry create}. */
    @Command(name = "create", description = "Create a registration entry.")
    static final class Create extends ServerCommand {
        @Option(names = "--spiffe-id", required = true, paramLabel = "ID", converter = Converters.SpiffeIdConverter.class,
                description = "The SPIFFE ID matching workloads get.")
        SpiffeId spiffeId;

        @Option(names = "--selector", paramLabel = "TYPE:VALUE", converter = Converters.SelectorConverter.class,
                description = "A selector the workload must have (repeatable), such as k8s:cluster:prod with k8s:ns:payments "
                        + "(a k8s entry names one cluster and one namespace, and at most one k8s:sa). None: join tokens only.")
        List<Selector> selectors = new ArrayList<>();

        @Option(names = "--x509-ttl", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
                description = "X.509-SVID lifetime (1m to 24h; default 1h).")
        Duration x509Ttl;

        @Option(names = "--jwt-ttl", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
                description = "JWT-SVID default and maximum lifetime (1m to 1h; default 5m).")
        Duration jwtTtl;

        @Option(names = "--dns", paramLabel = "NAME", description = "A DNS SAN for its X.509-SVIDs (repeatable).")
        List<String> dnsNames = new ArrayList<>();

        @Option(names = "--admin", description = "The identity is an admin of its trust domain.")
        boolean admin;

        @Override
        protected int run(Session session, Output out) {
            CreateEntryRequest.Builder request = CreateEntryRequest.newBuilder().setSpiffeId(spiffeId.toString())
                    .addAllSelectors(selectors).addAllDnsNames(dnsNames).setAdmin(admin);
            if (x509Ttl != null) {
                request.setX509SvidTtl(protoDuration(x509Ttl));
            }
            if (jwtTtl != null) {
                request.setJwtSvidTtl(protoDuration(jwtTtl));
            }
            CreateEntryResponse reply = session.call(ServerKind.IDENTITY,
                    () -> session.stub(ServerKind.IDENTITY, RegistryServiceGrpc::newBlockingStub).createEntry(request.build()));
            if (out.json()) {
                out.json(reply);
            } else {
                show(out, reply.getEntry());
            }
            return 0;
        }
    }

    /** {@code entry list}. */
    @Command(name = "list", description = "List the registration entries of the trust domain, by SPIFFE ID.")
    static final class ListCommand extends ServerCommand {
        @Option(names = "--spiffe-id", paramLabel = "ID", description = "Only entries with exactly this SPIFFE ID.")
        String spiffeId = "";

        @Option(names = "--path-prefix", paramLabel = "PREFIX", description = "Only SPIFFE IDs whose path starts with this.")
        String pathPrefix = "";

        @Option(names = "--selector", paramLabel = "TYPE:VALUE", converter = Converters.SelectorConverter.class,
                description = "Only entries with this selector (repeatable).")
        List<Selector> selectors = new ArrayList<>();

        @Option(names = "--admin", paramLabel = "true|false", arity = "1", converter = Converters.BooleanConverter.class,
                description = "Only admin (true) or non-admin entries.")
        Boolean admin;

        @Override
        protected int run(Session session, Output out) {
            ListEntriesResponse.Builder all = ListEntriesResponse.newBuilder();
            String token = "";
            do {
                ListEntriesRequest.Builder request = ListEntriesRequest.newBuilder().setTrustDomain(session.trustDomain().name())
                        .setSpiffeId(spiffeId).setPathPrefix(pathPrefix).addAllSelectors(selectors).setPageSize(1000)
                        .setPageToken(token);
                if (admin != null) {
                    request.setAdmin(admin);
                }
                ListEntriesResponse page = session.call(ServerKind.IDENTITY,
                        () -> session.stub(ServerKind.IDENTITY, RegistryServiceGrpc::newBlockingStub).listEntries(request.build()));
                all.addAllEntries(page.getEntriesList());
                token = page.getNextPageToken();
            } while (!token.isEmpty() && all.getEntriesCount() < MAX_LISTED);
            if (out.json()) {
                out.json(all);
                return 0;
            }
            Output.Table table = out.table("ID", "SPIFFE ID", "SELECTORS", "X509 TTL", "JWT TTL", "DNS NAMES", "ADMIN");
            for (RegistrationEntry e : all.getEntriesList()) {
                table.row(e.getId(), e.getSpiffeId(), selectors(e.getSelectorsList()), Output.duration(e.getX509SvidTtl()),
                        Output.duration(e.getJwtSvidTtl()), String.join(",", e.getDnsNamesList()), e.getAdmin() ? "yes" : "no");
            }
            table.print();
            return 0;
        }
    }

    /** {@code entry show ID}. */
    @Command(name = "show", description = "Show one registration entry.")
    static final class Show extends ServerCommand {
        @Parameters(index = "0", paramLabel = "ID", description = "The entry's id (a UUID).")
        String id;

        @Override
        protected int run(Session session, Output out) {
            checkId(id);
            GetEntryResponse reply = session.call(ServerKind.IDENTITY, () -> session.stub(ServerKind.IDENTITY,
                    RegistryServiceGrpc::newBlockingStub).getEntry(GetEntryRequest.newBuilder().setId(id).build()));
            if (out.json()) {
                out.json(reply);
            } else {
                show(out, reply.getEntry());
            }
            return 0;
        }
    }

    /** {@code entry delete ID}. */
    @Command(name = "delete", description = "Delete a registration entry (its unused join tokens die with it).")
    static final class Delete extends ServerCommand {
        @Parameters(index = "0", paramLabel = "ID", description = "The entry's id (a UUID).")
        String id;

        @Override
        protected int run(Session session, Output out) {
            checkId(id);
            session.call(ServerKind.IDENTITY, () -> session.stub(ServerKind.IDENTITY, RegistryServiceGrpc::newBlockingStub)
                    .deleteEntry(DeleteEntryRequest.newBuilder().setId(id).build()));
            if (out.json()) {
                out.json("id", id, "deleted", true);
            } else {
                out.line("deleted entry " + id);
            }
            return 0;
        }
    }

    static void checkId(String id) {
        try {
            UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw CliException.usage("entry id '" + id + "' (expected: a UUID, as entry list shows)");
        }
    }

    static com.google.protobuf.Duration protoDuration(Duration d) {
        return com.google.protobuf.Duration.newBuilder().setSeconds(d.getSeconds()).setNanos(d.getNano()).build();
    }

    static String selectors(List<Selector> selectors) {
        return selectors.stream().map(s -> s.getType() + ":" + s.getValue()).collect(Collectors.joining(","));
    }

    static void show(Output out, RegistrationEntry e) {
        out.fields(List.of(new String[] {"id", e.getId()}, new String[] {"spiffe_id", e.getSpiffeId()},
                new String[] {"selectors", e.getSelectorsCount() == 0 ? "-" : selectors(e.getSelectorsList())},
                new String[] {"x509_svid_ttl", Output.duration(e.getX509SvidTtl())},
                new String[] {"jwt_svid_ttl", Output.duration(e.getJwtSvidTtl())},
                new String[] {"dns_names", e.getDnsNamesCount() == 0 ? "-" : String.join(",", e.getDnsNamesList())},
                new String[] {"admin", String.valueOf(e.getAdmin())}, new String[] {"created_at", Output.time(e.getCreatedAt())},
                new String[] {"created_by", e.getCreatedBy()}));
    }
}
