package io.meshid.cli;

import io.meshid.common.spiffe.TrustDomain;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where meshctl finds its servers and credentials, each setting on its own: the flag, then its
 * {@code MESHID_*} environment variable, then the dev mesh's endpoints.json ({@code --dev-dir},
 * {@code MESHID_DEV_DIR}, or {@code .meshid-dev} in the working directory or a parent). Each
 * accessor names every place it looked when nothing is found. Not thread-safe.
 */
public final class Settings {

    private final GlobalOptions options;
    private final Cli cli;
    private Optional<DevEndpoints> dev;

    Settings(GlobalOptions options, Cli cli) {
        this.options = options;
        this.cli = cli;
    }

    /** The address of {@code kind}'s server. */
    public String server(ServerKind kind) {
        String flag = options.server != null ? options.server : switch (kind) {
            case CA -> options.caServer;
            case IDENTITY -> options.identityServer;
            case POLICY -> options.policyServer;
        };
        String address = first(flag, env(kind.envVariable()), dev().flatMap(d -> d.grpc(kind)).orElse(null));
        if (address == null) {
            throw CliException.usage("no address for " + kind.serverName() + " (expected: --server HOST:PORT, --" + kind.key()
                    + "-server, " + kind.envVariable() + ", or a dev mesh's endpoints.json" + devHint() + ")");
        }
        int colon = address.lastIndexOf(':');
        if (colon <= 0 || colon == address.length() - 1 || !address.substring(colon + 1).chars().allMatch(Character::isDigit)) {
            throw CliException.usage("server address '" + address + "' for " + kind.serverName()
                    + " (expected: HOST:PORT, such as 127.0.0.1:8443)");
        }
        return address;
    }

    /** The address of {@code kind}'s server when one is configured somewhere. */
    public Optional<String> findServer(ServerKind kind) {
        try {
            return Optional.of(server(kind));
        } catch (CliException e) {
            return Optional.empty();
        }
    }

    /** The HTTP base URL of {@code kind} from endpoints.json, when a dev mesh is there. */
    public Optional<String> devHttp(ServerKind kind) {
        return dev().flatMap(d -> d.http(kind));
    }

    /** The certificate file (the SVID chain). */
    public Path cert() {
        return file(options.cert, "MESHID_CERT", "cert", "--cert", "your X.509-SVID chain in PEM");
    }

    /** The private key file. */
    public Path key() {
        return file(options.key, "MESHID_KEY", "key", "--key", "your SVID's private key in PEM");
    }

    /** The bundle file. */
    public Path bundle() {
        return file(options.bundle, "MESHID_BUNDLE", "bundle", "--bundle", "the trust bundle in PEM");
    }

    /** The configured trust domain, if any is configured (the SVID's is the caller's fallback). */
    public Optional<TrustDomain> trustDomain() {
        String name = first(options.trustDomain, env("MESHID_TRUST_DOMAIN"), dev().flatMap(DevEndpoints::trustDomain).orElse(null));
        if (name == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(TrustDomain.of(name));
        } catch (IllegalArgumentException e) {
            throw CliException.usage("trust domain '" + name + "': " + e.getMessage());
        }
    }

    private Path file(Path flag, String variable, String devField, String flagName, String what) {
        if (flag != null) {
            return cli.resolve(flag);
        }
        String fromEnv = env(variable);
        if (fromEnv != null) {
            return cli.resolve(Path.of(fromEnv));
        }
        Optional<String> fromDev = dev().flatMap(d -> d.admin(devField));
        if (fromDev.isPresent()) {
            return cli.resolve(Path.of(fromDev.get()));
        }
        throw CliException.usage("no credentials: " + flagName + " is missing (expected: " + flagName + " FILE with " + what + ", "
                + variable + ", or a dev mesh's endpoints.json" + devHint() + ")");
    }

    private String devHint() {
        Path dir = devDir();
        if (dir == null) {
            return ": none found here or above; start one with ./meshid dev";
        }
        Path file = dir.resolve(DevEndpoints.FILE);
        return java.nio.file.Files.isRegularFile(file) ? ": " + file + " does not name it"
                : ": " + file + " does not exist (is the dev mesh started with that data directory?)";
    }

    private Path devDir() {
        if (options.devDir != null) {
            return cli.resolve(options.devDir);
        }
        String fromEnv = env("MESHID_DEV_DIR");
        if (fromEnv != null) {
            return cli.resolve(Path.of(fromEnv));
        }
        return DevEndpoints.find(cli.cwd()).orElse(null);
    }

    private Optional<DevEndpoints> dev() {
        if (dev == null) {
            Path dir = devDir();
            dev = dir == null ? Optional.empty() : DevEndpoints.read(dir);
        }
        return dev;
    }

    private String env(String name) {
        String value = cli.env().get(name);
        return value == null || value.isBlank() ? null : value;
    }

    private static String first(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }
}
