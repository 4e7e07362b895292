package io.meshid.cli;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import javax.net.ssl.SSLException;
import java.net.ConnectException;
import java.security.cert.CertificateException;

/** Turns a failed call into meshctl's one line: the server, its message, the status and the request id. Stateless. */
final class Failures {

    private Failures() {
    }

    /** The line for {@code e}, from {@code server} at {@code address} (either may be null). */
    static String describe(StatusRuntimeException e, String server, String address, String requestId) {
        Status status = e.getStatus();
        String who = server == null ? "the server" : server + (address == null ? "" : " at " + address);
        String id = requestId == null ? "" : ", request id " + requestId;
        if (status.getCode() == Status.Code.UNAVAILABLE && status.getCause() != null) {
            Throwable root = root(status.getCause());
            String code = " (UNAVAILABLE" + id + ")";
            if (root instanceof ConnectException || root instanceof java.nio.channels.UnresolvedAddressException
                    || root instanceof java.net.UnknownHostException) {
                return "cannot reach " + who + " (" + root.getMessage() + "; expected: a running server there, see --server)" + code;
            }
            if (root instanceof SSLException || root instanceof CertificateException) {
                String reason = String.valueOf(root.getMessage());
                // meshid's trust manager already says what it expected; the JDK's and Netty's messages do not
                return "TLS with " + who + " failed: " + reason + (reason.contains("(expected") ? ""
                        : " (expected: a server whose SVID chains to --bundle and names it, and a client SVID it trusts)") + code;
            }
            return "cannot reach " + who + " (" + root + ")" + code;
        }
        if (status.getCode() == Status.Code.DEADLINE_EXCEEDED) {
            return who + " did not answer in time (DEADLINE_EXCEEDED" + id + "; expected: an answer within --timeout)";
        }
        String message = status.getDescription() == null ? "(no message)" : status.getDescription();
        return who + ": " + message + " (" + status.getCode() + id + ")";
    }

    /** As {@link #describe(StatusRuntimeException, String, String, String)} without a request id. */
    static String describe(StatusRuntimeException e, String server, String address) {
        return describe(e, server, address, null);
    }

    private static Throwable root(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root;
    }
}
