package io.meshid.identity.oauth;

import java.security.cert.X509Certificate;
import java.util.Optional;

/**
 * What a request to the bridge presented to authenticate its client, as the HTTP adapter read it:
 * at most one method may be used (RFC 6749 section 2.3). Never prints a secret or an assertion.
 * Immutable.
 *
 * @param basicId      client id from the Basic header (already URL-decoded, RFC 6749 section 2.3.1)
 * @param basicSecret  secret from the Basic header
 * @param formId       {@code client_id} of the form
 * @param formSecret   {@code client_secret} of the form
 * @param assertionType {@code client_assertion_type}
 * @param assertion    {@code client_assertion}
 * @param certificate  the TLS client certificate (leaf), when the connection had one
 * @param source       the source address, for rate limits and the audit trail
 */
public record ClientCredentials(Optional<String> basicId, Optional<String> basicSecret, Optional<String> formId,
        Optional<String> formSecret, Optional<String> assertionType, Optional<String> assertion,
        Optional<X509Certificate> certificate, String source) {

    /** The client id the request names, by whichever method, if any. */
    public Optional<String> claimedId() {
        return basicId.or(() -> formId);
    }

    @Override
    public String toString() {
        return "ClientCredentials[basicId=" + basicId.orElse("-") + ", formId=" + formId.orElse("-") + ", secret=****, assertion="
                + (assertion.isPresent() ? "****" : "-") + ", certificate=" + certificate.isPresent() + ", source=" + source + "]";
    }
}
