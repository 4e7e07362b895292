package io.meshid.sidecar.workloadapi;

import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.NettyServerBuilder;
import io.meshid.common.tls.SvidSource;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SPIFFE Workload API on a Unix domain socket (Linux epoll), for the one workload beside this
 * sidecar: {@code FetchX509SVID} and {@code FetchX509Bundles} (streams, pushed again after every
 * renewal or bundle change), {@code FetchJWTSVID}, {@code FetchJWTBundles} (stream) and
 * {@code ValidateJWTSVID}. Every call must carry {@code workload.spiffe.io: true}.
 *
 * <p><b>Who may call</b>: the socket does not attest its callers (no process inspection as SPIRE's
 * agent does): whoever can open the socket file gets the sidecar's SVID and its private key. The
 * socket's file permissions are the boundary: {@code rw-------} (0600) by default, so only the
 * sidecar's user; {@code rw-rw----} (0660) lets a workload in the socket's group in. The socket is
 * bound under a temporary name, given its permissions, and only then renamed into place, so there
 * is no moment when it is open to others. Put it in a directory only the sidecar and its workload
 * can reach.
 *
 * <p>Thread-safe. {@link #close()} ends the streams, stops the server and removes the socket.
 */
public final class WorkloadApiServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WorkloadApiServer.class);

    /** Owner read and write only (0600). */
    public static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    /** Owner and group read and write (0660). */
    public static final Set<PosixFilePermission> OWNER_AND_GROUP = PosixFilePermissions.fromString("rw-rw----");

    private final Path socket;
    private final Server server;
    private final EventLoopGroup loop;
    private final ExecutorService calls;
    private final WorkloadApiService service;

    private WorkloadApiServer(Path socket, Server server, EventLoopGroup loop, ExecutorService calls, WorkloadApiService service) {
        this.socket = socket;
        this.server = server;
        this.loop = loop;
        this.calls = calls;
        this.service = service;
    }

    /** As {@link #start(Path, SvidSource, JwtAuthority, Set)} with {@link #OWNER_ONLY}. */
    public static WorkloadApiServer start(Path socket, SvidSource source, JwtAuthority jwt) {
        return start(socket, source, jwt, OWNER_ONLY);
    }

    /**
     * Serves the Workload API on {@code socket}.
     *
     * @param permissions the socket file's permissions: {@link #OWNER_ONLY} or {@link #OWNER_AND_GROUP};
     *     no others bits are allowed
     * @throws IllegalArgumentException when the permissions give "others" any right, the socket's directory
     *     does not exist, or something other than a socket is at its path
     * @throws IllegalStateException when epoll is not available (the Workload API socket needs Linux)
     * @throws UncheckedIOException when the socket cannot be bound
     */
    public static WorkloadApiServer start(Path socket, SvidSource source, JwtAuthority jwt, Set<PosixFilePermission> permissions) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(jwt, "jwt");
        Path path = socket.toAbsolutePath();
        checkPermissions(permissions);
        if (!Epoll.isAvailable()) {
            throw new IllegalStateException("the Workload API socket needs Linux's native epoll transport, which did not load: "
                    + Epoll.unavailabilityCause());
        }
        Path dir = path.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("workload API socket " + path + ": its directory does not exist (expected: an existing "
                    + "directory only the sidecar and its workload can reach)");
        }
        removeStaleSocket(path);
        Path temporary = dir.resolve("." + path.getFileName() + "." + UUID.randomUUID().toString().substring(0, 8));
        WorkloadApiService service = new WorkloadApiService(source, jwt);
        // JWT calls wait for identity-server: handlers run on virtual threads, never on the event loop.
        ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor();
        EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("meshid-workload-api", true),
                EpollIoHandler.newFactory());
        Server server = NettyServerBuilder.forAddress(new DomainSocketAddress(temporary.toString()))
                .channelType(EpollServerDomainSocketChannel.class).bossEventLoopGroup(loop).workerEventLoopGroup(loop)
                .executor(calls).maxInboundMessageSize(64 * 1024).maxInboundMetadataSize(8 * 1024)
                .addService(ServerInterceptors.intercept(service, new SecurityHeaderInterceptor())).build();
        try {
            server.start();
            Files.setPosixFilePermissions(temporary, permissions);
            Files.move(temporary, path, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            server.shutdownNow();
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            calls.shutdownNow();
            try {
                Files.deleteIfExists(temporary);
            } catch (IOException ignored) {
                LOG.debug("cannot remove {}", temporary);
            }
            throw new UncheckedIOException("workload API socket " + path + ": cannot bind it (" + e.getMessage() + ")", e);
        }
        LOG.info("Workload API serving on {} ({})", path, PosixFilePermissions.toString(permissions));
        return new WorkloadApiServer(path, server, loop, calls, service);
    }

    /** The socket's absolute path. */
    public Path socket() {
        return socket;
    }

    /** The address a SPIFFE client is given: {@code unix://} and the socket's absolute path. */
    public String address() {
        return "unix://" + socket;
    }

    @Override
    public void close() {
        service.closeStreams();
        server.shutdown();
        try {
            if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
                server.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.shutdownNow();
        }
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        calls.shutdownNow();
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            LOG.warn("cannot remove the Workload API socket {}: {}", socket, e.getMessage());
        }
    }

    private static void checkPermissions(Set<PosixFilePermission> permissions) {
        Objects.requireNonNull(permissions, "permissions");
        for (PosixFilePermission p : permissions) {
            if (p.name().startsWith("OTHERS")) {
                throw new IllegalArgumentException("workload API socket permissions " + PosixFilePermissions.toString(permissions)
                        + " (expected: no rights for others, e.g. rw------- or rw-rw----)");
            }
        }
        if (!permissions.contains(PosixFilePermission.OWNER_READ) || !permissions.contains(PosixFilePermission.OWNER_WRITE)) {
            throw new IllegalArgumentException("workload API socket permissions " + PosixFilePermissions.toString(permissions)
                    + " (expected: the owner may read and write, e.g. rw-------)");
        }
    }

    private static void removeStaleSocket(Path path) {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        boolean socketFile;
        try {
            socketFile = !Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)
                    && !Files.isSymbolicLink(path) && "s".equals(fileType(path));
        } catch (IOException e) {
            socketFile = false;
        }
        if (!socketFile) {
            throw new IllegalArgumentException("workload API socket " + path + ": something other than a socket is there "
                    + "(expected: nothing, or a socket left by an earlier run)");
        }
        try {
            Files.delete(path);
        } catch (IOException e) {
            throw new UncheckedIOException("workload API socket " + path + ": cannot remove the old socket (" + e.getMessage() + ")", e);
        }
    }

    /** "s" for a socket, from the unix file mode. */
    private static String fileType(Path path) throws IOException {
        Object mode = Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        return (((Integer) mode) & 0170000) == 0140000 ? "s" : "-";
    }
}
