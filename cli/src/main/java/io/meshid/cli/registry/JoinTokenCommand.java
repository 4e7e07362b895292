package io.meshid.cli.registry;

import io.meshid.cli.Converters;
import io.meshid.cli.Output;
import io.meshid.cli.ServerCommand;
import io.meshid.cli.ServerKind;
import io.meshid.cli.Session;
import io.meshid.proto.identity.v1.CreateJoinTokenRequest;
import io.meshid.proto.identity.v1.CreateJoinTokenResponse;
import io.meshid.proto.identity.v1.RegistryServiceGrpc;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code meshctl join-token create}: RegistryService.CreateJoinToken. */
@Command(name = "join-token", description = "Single-use join tokens for attestation (identity-server).",
        subcommands = JoinTokenCommand.Create.class)
public final class JoinTokenCommand {

    /** {@code join-token create --entry-id ID}. */
    @Command(name = "create", description = "Create a join token bound to a registration entry; it is shown only once.")
    static final class Create extends ServerCommand {
        @Option(names = "--entry-id", required = true, paramLabel = "ID", description = "The entry the token attests as.")
        String entryId;

        @Option(names = "--ttl", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
                description = "How long it may be used (1m to 24h; default 10m).")
        Duration ttl;

        @Override
        protected int run(Session session, Output out) {
            EntryCommand.checkId(entryId);
            CreateJoinTokenRequest.Builder request = CreateJoinTokenRequest.newBuilder().setEntryId(entryId);
            if (ttl != null) {
                request.setTtl(EntryCommand.protoDuration(ttl));
            }
            CreateJoinTokenResponse reply = session.call(ServerKind.IDENTITY,
                    () -> session.stub(ServerKind.IDENTITY, RegistryServiceGrpc::newBlockingStub).createJoinToken(request.build()));
            if (out.json()) {
                out.json(reply);
            } else {
                out.fields(List.of(new String[] {"token", reply.getToken()}, new String[] {"entry_id", reply.getEntryId()},
                        new String[] {"expires_at", Output.time(reply.getExpiresAt())}));
            }
            return 0;
        }
    }
}
