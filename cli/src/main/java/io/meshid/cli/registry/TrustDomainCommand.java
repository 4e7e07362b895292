package io.meshid.cli.registry;

import io.meshid.cli.CliException;
import io.meshid.cli.Output;
import io.meshid.cli.ServerCommand;
import io.meshid.cli.ServerKind;
import io.meshid.cli.Session;
import io.meshid.proto.identity.v1.CreateTrustDomainRequest;
import io.meshid.proto.identity.v1.CreateTrustDomainResponse;
import io.meshid.proto.identity.v1.RegistryServiceGrpc;
import io.meshid.proto.identity.v1.TrustDomain;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code meshctl trust-domain create|list}: RegistryService.CreateTrustDomain (a system admin's). */
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
                out.fields(List.of(new String[] {"name", d.getName()}, new String[] {"created_at", Output.time(d.getCreatedAt())},
                        new String[] {"created_by", d.getCreatedBy()}));
            }
            return 0;
        }
    }

    /** {@code trust-domain list}: no rpc lists trust domains yet. */
    @Command(name = "list", description = "List trust domains: not available, identity-server has no rpc that lists them.")
    static final class ListCommand extends ServerCommand {
        @Override
        protected int run(Session session, Output out) {
            throw CliException.failed("trust-domain list: identity-server has no rpc that lists trust domains (RegistryService "
                    + "offers CreateTrustDomain only; see docs/cli.md, 'Not available yet')");
        }
    }
}
