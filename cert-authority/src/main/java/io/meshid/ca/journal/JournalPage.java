package io.meshid.ca.journal;

import java.util.List;
import java.util.Optional;

/** A page of the journal and the token of the next, if there is more. */
public record JournalPage(List<IssuedCertificate> certificates, Optional<String> nextPageToken) {
}
