package io.meshid.common.authz;

import io.grpc.Server;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import java.util.List;
import java.util.TreeSet;

/**
 * For each server's completeness test: the methods a gRPC server binds that its
 * {@link AuthorizationTable} has no entry for. Shipped in the test-jar. Stateless.
 */
public final class AuthorizationTables {

    private AuthorizationTables() {
    }

    /** Full method names of every method bound on {@code server} (every service, standard ones included) without an entry. */
    public static List<String> missing(Server server, AuthorizationTable table) {
        return missing(server.getServices(), table);
    }

    /** As {@link #missing(Server, AuthorizationTable)}, from service definitions. */
    public static List<String> missing(List<ServerServiceDefinition> services, AuthorizationTable table) {
        TreeSet<String> missing = new TreeSet<>();
        for (ServerServiceDefinition service : services) {
            for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
                String name = method.getMethodDescriptor().getFullMethodName();
                if (table.rule(name).isEmpty()) {
                    missing.add(name);
                }
            }
        }
        return List.copyOf(missing);
    }
}
