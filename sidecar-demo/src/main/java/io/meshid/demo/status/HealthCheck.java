package io.meshid.demo.status;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;
import java.io.PrintStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The demo's gRPC client, for the command {@code ./meshid dev} prints (grpcurl is not at hand
 * everywhere): {@code HealthCheck [--reflection] HOST:PORT AUTHORITY [SERVICE]} calls
 * {@code grpc.health.v1.Health/Check} for {@code SERVICE} (default {@code ""}), or with
 * {@code --reflection} lists the services through {@code grpc.reflection.v1.ServerReflection}, in
 * plaintext HTTP/2 (h2c with prior knowledge, as an app talks to its sidecar's outbound listener)
 * with {@code :authority} AUTHORITY (the sidecar's route name). Prints the serving status or the
 * services and exits 0; prints {@code CODE: description} and exits 1 when the call fails (a
 * sidecar's refusal is {@code PERMISSION_DENIED} with its request id); 2 for bad usage.
 */
public final class HealthCheck {

    private HealthCheck() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        boolean reflection = args.length > 0 && args[0].equals("--reflection");
        int first = reflection ? 1 : 0;
        int rest = args.length - first;
        if (rest < 2 || rest > 3 || !args[first].matches("[^:]+:\\d{1,5}") || (reflection && rest != 2)) {
            err.println("usage: HealthCheck [--reflection] HOST:PORT AUTHORITY [SERVICE] (got: " + String.join(" ", args) + ")");
            return 2;
        }
        String target = args[first];
        int colon = target.lastIndexOf(':');
        ManagedChannel channel = NettyChannelBuilder.forAddress(target.substring(0, colon), Integer.parseInt(target.substring(colon + 1)))
                .overrideAuthority(args[first + 1]).usePlaintext().build();
        try {
            if (reflection) {
                out.println(services(channel));
            } else {
                var health = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
                out.println(health.check(HealthCheckRequest.newBuilder().setService(rest == 3 ? args[first + 2] : "").build())
                        .getStatus());
            }
            return 0;
        } catch (StatusRuntimeException e) {
            out.println(describe(e.getStatus()));
            return 1;
        } finally {
            channel.shutdownNow();
        }
    }

    private static String services(ManagedChannel channel) {
        CompletableFuture<ServerReflectionResponse> answer = new CompletableFuture<>();
        StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(channel)
                .withDeadlineAfter(30, TimeUnit.SECONDS).serverReflectionInfo(new StreamObserver<>() {
                    @Override
                    public void onNext(ServerReflectionResponse value) {
                        answer.complete(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        answer.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        answer.completeExceptionally(Status.INTERNAL.withDescription("no answer").asRuntimeException());
                    }
                });
        requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
        requests.onCompleted();
        try {
            StringBuilder names = new StringBuilder();
            for (var service : answer.get(30, TimeUnit.SECONDS).getListServicesResponse().getServiceList()) {
                names.append(names.isEmpty() ? "" : "\n").append(service.getName());
            }
            return names.toString();
        } catch (ExecutionException e) {
            throw Status.fromThrowable(e.getCause()).asRuntimeException();
        } catch (TimeoutException e) {
            throw Status.DEADLINE_EXCEEDED.withDescription("no answer within 30 s").asRuntimeException();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
        }
    }

    private static String describe(Status status) {
        return status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription());
    }
}
