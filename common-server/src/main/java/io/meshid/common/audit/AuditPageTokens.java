package io.meshid.common.audit;

import io.meshid.proto.common.v1.ListAuditEventsRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;

/**
 * Page tokens of {@code ListAuditEvents}: the last event's time and id, and a digest of the filters
 * the page was read with, so that a token given back with other filters is refused rather than
 * silently continuing another listing. Not a secret and grants nothing: a caller that forges one
 * still reads only its own trust domain. Stateless.
 */
final class AuditPageTokens {

    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final int MAX_LENGTH = 256;

    private AuditPageTokens() {
    }

    /** The digest of the filters of {@code request} in {@code domain}, page position and size aside. */
    static String filters(String domain, ListAuditEventsRequest request) {
        String text = String.join("\n", domain, request.getSince().toString(), request.getUntil().toString(),
                request.getAction(), request.getActor(), request.getOutcome().name());
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    static String write(AuditPageQuery.Position position, String filters) {
        long micros = ChronoUnit.MICROS.between(Instant.EPOCH, position.occurredAt());
        return ENCODER.encodeToString(("1|" + micros + "|" + position.id() + "|" + filters).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The position in {@code token}; empty for an empty token.
     *
     * @throws IllegalArgumentException when the token is malformed or was made for other filters
     */
    static Optional<AuditPageQuery.Position> read(String token, String filters) {
        if (token.isEmpty()) {
            return Optional.empty();
        }
        String bad = "page_token: not one this server gave for these filters (expected: the next_page_token of the previous "
                + "reply, with the same filters)";
        if (token.length() > MAX_LENGTH) {
            throw new IllegalArgumentException(bad);
        }
        try {
            String[] parts = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8).split("\\|", -1);
            if (parts.length != 4 || !parts[0].equals("1") || !parts[3].equals(filters)) {
                throw new IllegalArgumentException(bad);
            }
            Instant at = Instant.EPOCH.plus(Long.parseLong(parts[1]), ChronoUnit.MICROS);
            return Optional.of(new AuditPageQuery.Position(at, UUID.fromString(parts[2])));
        } catch (IllegalArgumentException | ArithmeticException | java.time.DateTimeException e) {
            throw new IllegalArgumentException(bad, e);
        }
    }
}
