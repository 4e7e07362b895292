package io.meshid.cli;

import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * The connection and output options every command takes. Each unset option falls back to its
 * {@code MESHID_*} environment variable and then to the dev mesh's endpoints.json ({@link Settings}).
 * Not thread-safe (filled by picocli).
 */
public final class GlobalOptions {

    @Option(names = "--server", paramLabel = "HOST:PORT",
            description = "Address of the server this command talks to (overrides --ca-server, --identity-server, --policy-server).")
    String server;

    @Option(names = "--ca-server", paramLabel = "HOST:PORT", description = "cert-authority's gRPC address (env MESHID_CA_SERVER).")
    String caServer;

    @Option(names = "--identity-server", paramLabel = "HOST:PORT",
            description = "identity-server's gRPC address (env MESHID_IDENTITY_SERVER).")
    String identityServer;

    @Option(names = "--policy-server", paramLabel = "HOST:PORT",
            description = "policy-server's gRPC address (env MESHID_POLICY_SERVER).")
    String policyServer;

    @Option(names = "--cert", paramLabel = "FILE", description = "Your X.509-SVID chain in PEM, leaf first (env MESHID_CERT).")
    Path cert;

    @Option(names = "--key", paramLabel = "FILE", description = "Its private key in PEM (env MESHID_KEY).")
    Path key;

    @Option(names = "--bundle", paramLabel = "FILE",
            description = "The trust bundle the servers' SVIDs must chain to, in PEM (env MESHID_BUNDLE).")
    Path bundle;

    @Option(names = "--trust-domain", paramLabel = "NAME",
            description = "The trust domain the servers run in and the command acts in (env MESHID_TRUST_DOMAIN; "
                    + "default: endpoints.json's, else your SVID's).")
    String trustDomain;

    @Option(names = "--dev-dir", paramLabel = "DIR",
            description = "A dev mesh's data directory with endpoints.json (env MESHID_DEV_DIR; default: .meshid-dev in "
                    + "this directory or a parent).")
    Path devDir;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10s", converter = Converters.DurationConverter.class,
            description = "Deadline of each call (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--json", description = "Print JSON (stable field names: the API's) instead of a table.")
    boolean json;

    @Option(names = {"-o", "--output"}, paramLabel = "json|table",
            description = "Output format, as kubectl's -o: json (the same as --json) or table (the default).")
    Format output;

    /** What {@code -o} takes. */
    enum Format {
        JSON, TABLE
    }

    /** Whether the caller asked for JSON, with {@code --json} or {@code -o json}. */
    boolean json() {
        return json || output == Format.JSON;
    }
}
