package io.meshid.cli.registry;

import io.meshid.cli.Output;
import io.meshid.cli.ServerCommand;
import io.meshid.cli.ServerKind;
import io.meshid.cli.Session;
import io.meshid.proto.identity.v1.CreateTrustDomainRequest;
import io.meshid.proto.identity.v1.CreateTrustDomainResponse;
import io.meshid.proto.identity.v1.ListTrustDomainsRequest;
import io.meshid.proto.identity.v1.ListTrustDomainsResponse;
import io.meshid.proto.identity.v1.RegistryServiceGrpc;
import io.meshid.proto.identity.v1.TrustDomain;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code meshctl trust-domain create|list}: RegistryService.CreateTrustDomain (a system admin's) and ListTrustDomains. */
@Command(name = "trust-domain", description = "Trust domains (identity-server).",
        subcommands = {TrustDomainCommand.Create.class, TrustDomainCommand.ListCommand.class})
public final class TrustDomainCommand {

    /** {@code trust-domain create NAME}. */
    @Command(name = "create", description = "Create a trust domain: its CA and JWT keys (an admin of the system trust domain).")
    static final class Create extends ServerCommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "The trust domain's name, such as tenant.example.org.")
        String name;

        @Option(names = "--description", paramLabel = "TEXT", description = "Free text, at most 1024 characters.")
        String description = "";

        @Override
        protected int run(Session session, Output out) {
            CreateTrustDomainResponse reply = session.call(ServerKind.IDENTITY,
                    () -> session.stub(ServerKind.IDENTITY, RegistryServiceGrpc::newBlockingStub)
                            .createTrustDomain(CreateTrustDomainRequest.newBuilder().setName(name).setDescription(description).build()));
            if (out.json()) {
                out.json(reply);
            } else {
                TrustDomain d = reply.getTrustDomain();
                out.fields(List.of(new String[] {"name", d.getName()}, new String[] {"description", d.getDescription()},
                        new String[] {"created_at", Output.time(d.getCreatedAt())}, new String[] {"created_by", d.getCreatedBy()}));
            }
            return 0;
        }
    }

    /** {@code trust-domain list}: RegistryService.ListTrustDomains, every page. */
    @Command(name = "list", description = "List trust domains: all of them for an admin of the system trust domain, "
            + "its own for any other admin.")
    static final class ListCommand extends ServerCommand {
        /** Most trust domains printed, whatever the server holds. */
        private static final int MAX_LISTED = 100_000;

        @Override
        protected int run(Session session, Output out) {
            ListTrustDomainsResponse.Builder all = ListTrustDomainsResponse.newBuilder();
            String token = "";
            do {
                ListTrustDomainsRequest request = ListTrustDomainsRequest.newBuilder().setPageSize(1000).setPageToken(token).build();
                ListTrustDomainsResponse page = session.call(ServerKind.IDENTITY,
                        () -> session.stub(ServerKind.IDENTITY, RegistryServiceGrpc::newBlockingStub).listTrustDomains(request));
                all.addAllTrustDomains(page.getTrustDomainsList());
                token = page.getNextPageToken();
            } while (!token.isEmpty() && all.getTrustDomainsCount() < MAX_LISTED);
            if (out.json()) {
                out.json(all);
                return 0;
            }
            Output.Table table = out.table("NAME", "CREATED AT", "CREATED BY", "DESCRIPTION");
            for (TrustDomain d : all.getTrustDomainsList()) {
                table.row(d.getName(), Output.time(d.getCreatedAt()), d.getCreatedBy(), d.getDescription());
            }
            table.print();
            return 0;
        }
    }
}
