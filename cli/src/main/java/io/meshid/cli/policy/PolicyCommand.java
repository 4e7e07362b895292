package io.meshid.cli.policy;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.meshid.cli.CliException;
import io.meshid.cli.Converters;
import io.meshid.cli.Output;
import io.meshid.cli.ServerCommand;
import io.meshid.cli.ServerKind;
import io.meshid.cli.Session;
import io.meshid.proto.policy.v1.GetPolicySetRequest;
import io.meshid.proto.policy.v1.ListPolicyVersionsRequest;
import io.meshid.proto.policy.v1.ListPolicyVersionsResponse;
import io.meshid.proto.policy.v1.PolicyAdminServiceGrpc;
import io.meshid.proto.policy.v1.PolicySet;
import io.meshid.proto.policy.v1.PolicySetValidationFailure;
import io.meshid.proto.policy.v1.PolicySetVersion;
import io.meshid.proto.policy.v1.PutPolicySetRequest;
import io.meshid.proto.policy.v1.PutPolicySetResponse;
import io.meshid.proto.policy.v1.RollbackRequest;
import io.meshid.proto.policy.v1.RollbackResponse;
import io.meshid.proto.policy.v1.ValidatePolicySetRequest;
import io.meshid.proto.policy.v1.ValidatePolicySetResponse;
import io.meshid.proto.policy.v1.ValidationError;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code meshctl policy ...}: policy-server's PolicyAdminService and PolicyService.Check. */
@Command(name = "policy", description = "Cedar policy sets and decisions (policy-server).",
        subcommands = {PolicyCommand.Get.class, PolicyCommand.Put.class, PolicyCommand.Validate.class, PolicyCommand.Diff.class,
            PolicyCommand.Versions.class, PolicyCommand.Rollback.class, CheckCommand.class})
public final class PolicyCommand {

    /** {@code policy get --out DIR}. */
    @Command(name = "get", description = "Write a version (default: the active one) into a directory: schema, policies, "
            + "templates, links.")
    static final class Get extends ServerCommand {
        @Option(names = "--version", paramLabel = "N", converter = Converters.VersionConverter.class, description = "Which version (default: the active one).")
        Long version;

        @Option(names = "--shadow", description = "The shadow version instead of the active one.")
        boolean shadow;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "The directory to write (made if missing).")
        Path out;

        @Override
        protected int run(Session session, Output output) {
            if (version != null && shadow) {
                throw CliException.usage("--version with --shadow (expected: one of them: a version, or the shadow version)");
            }
            PolicySet set = fetch(session, version, shadow);
            Path dir = cli.resolve(out);
            try {
                PolicyDirectory.write(dir, set.getSource());
            } catch (IOException e) {
                throw CliException.usage("cannot write " + dir + ": " + e.getMessage() + " (expected: a writable directory)");
            }
            if (output.json()) {
                output.json(set.getVersion());
            } else {
                output.line("wrote version " + set.getVersion().getVersion() + " of " + set.getVersion().getTrustDomain() + " into " + dir);
            }
            return 0;
        }
    }

    /** {@code policy validate DIR}. */
    @Command(name = "validate", description = "Validate a policy directory without storing it; errors as file:line:column.")
    static final class Validate extends ServerCommand {
        @Parameters(index = "0", paramLabel = "DIR", description = "The policy directory.")
        Path dir;

        @Override
        protected int run(Session session, Output out) {
            PolicyDirectory policies = PolicyDirectory.read(cli.resolve(dir));
            ValidatePolicySetResponse reply = session.call(ServerKind.POLICY, () -> session.stub(ServerKind.POLICY,
                    PolicyAdminServiceGrpc::newBlockingStub).validatePolicySet(ValidatePolicySetRequest.newBuilder()
                            .setTrustDomain(session.trustDomain().name()).setSource(policies.source()).build()));
            if (out.json()) {
                out.json(reply);
            } else {
                reply.getWarningsList().forEach(w -> out.line("warning: " + policies.describe(w)));
            }
            if (!reply.getValid()) {
                throw CliException.failed(problems(policies, reply.getErrorsList()));
            }
            if (!out.json()) {
                out.line("valid: " + policies.source().getTemplatesCount() + " template(s), "
                        + policies.source().getTemplateLinksCount() + " link(s)");
            }
            return 0;
        }
    }

    /** {@code policy put DIR}. */
    @Command(name = "put", description = "Store a policy directory as the new active (or --shadow) version.")
    static final class Put extends ServerCommand {
        @Parameters(index = "0", paramLabel = "DIR", description = "The policy directory.")
        Path dir;

        @Option(names = "--comment", paramLabel = "TEXT", description = "Why, kept with the version.")
        String comment = "";

        @Option(names = "--expected-version", paramLabel = "N", converter = Converters.VersionConverter.class,
                description = "Refuse unless the newest version is N (0: none yet): no lost updates.")
        Long expectedVersion;

        @Option(names = "--shadow", description = "Store as the shadow version (evaluated and logged, not enforced).")
        boolean shadow;

        @Override
        protected int run(Session session, Output out) {
            PolicyDirectory policies = PolicyDirectory.read(cli.resolve(dir));
            PutPolicySetRequest.Builder request = PutPolicySetRequest.newBuilder().setTrustDomain(session.trustDomain().name())
                    .setSource(policies.source()).setComment(comment).setShadow(shadow);
            if (expectedVersion != null) {
                request.setExpectedVersion(expectedVersion);
            }
            PutPolicySetResponse reply;
            try {
                reply = session.stub(ServerKind.POLICY, PolicyAdminServiceGrpc::newBlockingStub).putPolicySet(request.build());
            } catch (StatusRuntimeException e) {
                PolicySetValidationFailure failure = validationFailure(e);
                if (failure != null) {
                    if (out.json()) {
                        out.json(failure);
                    }
                    throw CliException.failed(session.refusal(ServerKind.POLICY, e, problems(policies, failure.getErrorsList())));
                }
                return session.call(ServerKind.POLICY, () -> {
                    throw e;
                });
            }
            if (out.json()) {
                out.json(reply);
            } else {
                reply.getWarningsList().forEach(w -> out.line("warning: " + policies.describe(w)));
                out.line("stored version " + reply.getVersion().getVersion() + " (" + state(reply.getVersion()) + ")");
            }
            return 0;
        }
    }

    /** {@code policy diff}. */
    @Command(name = "diff", description = "Compare two versions, or a version (default: the active one) with a directory.")
    static final class Diff extends ServerCommand {
        @Parameters(paramLabel = "VERSION", arity = "0..2", converter = Converters.VersionConverter.class, description = "One or two version numbers.")
        List<Long> versions = new java.util.ArrayList<>();

        @Option(names = "--dir", paramLabel = "DIR", description = "Compare with this policy directory.")
        Path dir;

        @Option(names = "--exit-code", description = "Exit with 1 when there are differences, as git diff --exit-code.")
        boolean exitCode;

        @Override
        protected int run(Session session, Output out) {
            Map<String, String> left;
            Map<String, String> right;
            String leftName;
            String rightName;
            if (dir != null) {
                if (versions.size() > 1) {
                    throw CliException.usage("two versions with --dir (expected: at most one version to compare with the directory)");
                }
                PolicySet set = fetch(session, versions.isEmpty() ? null : versions.get(0), false);
                left = PolicyDirectory.files(set.getSource());
                leftName = "v" + set.getVersion().getVersion();
                Path resolved = cli.resolve(dir);
                right = PolicyDirectory.files(PolicyDirectory.read(resolved).source());
                rightName = resolved.toString();
            } else {
                if (versions.size() != 2) {
                    throw CliException.usage("policy diff needs two versions, or --dir DIR (expected: diff V1 V2, or diff [V] --dir DIR)");
                }
                PolicySet a = fetch(session, versions.get(0), false);
                PolicySet b = fetch(session, versions.get(1), false);
                left = PolicyDirectory.files(a.getSource());
                right = PolicyDirectory.files(b.getSource());
                leftName = "v" + versions.get(0);
                rightName = "v" + versions.get(1);
            }
            StringBuilder diff = new StringBuilder();
            for (String name : new TreeSet<>(union(left, right))) {
                diff.append(TextDiff.unified(leftName + "/" + name, left.getOrDefault(name, ""), rightName + "/" + name,
                        right.getOrDefault(name, "")));
            }
            if (out.json()) {
                out.json("left", leftName, "right", rightName, "differs", !diff.isEmpty(), "diff", diff.toString());
            } else if (diff.isEmpty()) {
                out.line("no differences");
            } else {
                out.raw(diff.toString());
            }
            return exitCode && !diff.isEmpty() ? 1 : 0;
        }

        private static java.util.Set<String> union(Map<String, String> a, Map<String, String> b) {
            java.util.Set<String> names = new java.util.HashSet<>(a.keySet());
            names.addAll(b.keySet());
            return names;
        }
    }

    /** {@code policy versions}. */
    @Command(name = "versions", description = "List the policy set's versions, newest first.")
    static final class Versions extends ServerCommand {
        @Option(names = "--limit", paramLabel = "N", defaultValue = "50", description = "At most N (default ${DEFAULT-VALUE}, at most 1000).")
        int limit;

        @Option(names = "--page-token", paramLabel = "TOKEN",
                description = "Go on from where an earlier --limit stopped: its JSON's next_page_token.")
        String pageToken = "";

        @Override
        protected int run(Session session, Output out) {
            if (limit < 1 || limit > 1000) {
                throw CliException.usage("--limit " + limit + " (expected: between 1 and 1000)");
            }
            ListPolicyVersionsResponse reply = session.call(ServerKind.POLICY, () -> session.stub(ServerKind.POLICY,
                    PolicyAdminServiceGrpc::newBlockingStub).listPolicyVersions(ListPolicyVersionsRequest.newBuilder()
                            .setTrustDomain(session.trustDomain().name()).setPageSize(limit).setPageToken(pageToken).build()));
            if (out.json()) {
                out.json(reply);
                return 0;
            }
            Output.Table table = out.table("VERSION", "STATE", "CREATED", "AUTHOR", "POLICIES", "COMMENT");
            for (PolicySetVersion v : reply.getVersionsList()) {
                table.row(String.valueOf(v.getVersion()), state(v), Output.time(v.getCreatedAt()), v.getAuthor(),
                        String.valueOf(v.getPolicyCount()), v.getComment());
            }
            table.print();
            return 0;
        }
    }

    /** {@code policy rollback VERSION}. */
    @Command(name = "rollback", description = "Make a copy of an earlier version the new active version.")
    static final class Rollback extends ServerCommand {
        @Parameters(index = "0", paramLabel = "VERSION", converter = Converters.VersionConverter.class,
                description = "The version to go back to.")
        long target;

        @Option(names = "--comment", paramLabel = "TEXT", description = "Why, kept with the new version.")
        String comment = "";

        @Option(names = "--expected-version", paramLabel = "N", converter = Converters.VersionConverter.class, description = "Refuse unless the newest version is N.")
        Long expectedVersion;

        @Override
        protected int run(Session session, Output out) {
            if (target < 1) {
                throw CliException.usage("version " + target + " (expected: a version number, 1 or more; see policy versions)");
            }
            RollbackRequest.Builder request = RollbackRequest.newBuilder().setTrustDomain(session.trustDomain().name())
                    .setTargetVersion(target).setComment(comment);
            if (expectedVersion != null) {
                request.setExpectedVersion(expectedVersion);
            }
            RollbackResponse reply = session.call(ServerKind.POLICY,
                    () -> session.stub(ServerKind.POLICY, PolicyAdminServiceGrpc::newBlockingStub).rollback(request.build()));
            if (out.json()) {
                out.json(reply);
            } else {
                out.line("version " + reply.getVersion().getVersion() + " (a copy of " + target + ") is active");
            }
            return 0;
        }
    }

    static PolicySet fetch(Session session, Long version, boolean shadow) {
        GetPolicySetRequest.Builder request = GetPolicySetRequest.newBuilder().setTrustDomain(session.trustDomain().name())
                .setShadow(shadow);
        if (version != null) {
            request.setVersion(version);
        }
        return session.call(ServerKind.POLICY, () -> session.stub(ServerKind.POLICY, PolicyAdminServiceGrpc::newBlockingStub)
                .getPolicySet(request.build())).getPolicySet();
    }

    static String state(PolicySetVersion v) {
        return v.getState().name().replace("POLICY_SET_VERSION_STATE_", "").toLowerCase(java.util.Locale.ROOT);
    }

    /** Every error on its own line; the first line says how many. */
    static String problems(PolicyDirectory policies, List<ValidationError> errors) {
        StringBuilder text = new StringBuilder("the policy set does not validate, " + errors.size() + " error(s):");
        errors.forEach(e -> text.append("\n  ").append(policies.describe(e)));
        return text.toString();
    }

    private static PolicySetValidationFailure validationFailure(StatusRuntimeException e) {
        Status status = StatusProto.fromThrowable(e);
        if (status == null) {
            return null;
        }
        for (var detail : status.getDetailsList()) {
            if (detail.is(PolicySetValidationFailure.class)) {
                try {
                    return detail.unpack(PolicySetValidationFailure.class);
                } catch (InvalidProtocolBufferException ignored) {
                    return null;
                }
            }
        }
        return null;
    }
}
