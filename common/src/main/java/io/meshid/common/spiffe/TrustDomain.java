package io.meshid.common.spiffe;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A SPIFFE trust domain: the unit of isolation and tenancy in meshid ({@code prod.example.org}).
 *
 * <p>An instance is always valid: the name is lowercase letters, digits, {@code .}, {@code -}
 * and {@code _}, at most {@value #MAX_LENGTH} characters, as the SPIFFE ID standard requires.
 * Immutable and thread-safe.
 */
public final class TrustDomain implements Comparable<TrustDomain> {

    /** Longest trust domain name accepted (the SPIFFE standard's limit on a DNS-like name). */
    public static final int MAX_LENGTH = 255;

    private static final Pattern NAME = Pattern.compile("[a-z0-9._-]+");

    private final String name;

    private TrustDomain(String name) {
        this.name = name;
    }

    /**
     * Parses a trust domain name, or a {@code spiffe://} URI whose authority is the trust domain.
     *
     * @throws InvalidSpiffeIdException when the name breaks the SPIFFE rules; the message names
     *     the value and what was expected
     */
    public static TrustDomain of(String name) {
        if (name == null || name.isEmpty()) {
            throw new InvalidSpiffeIdException("trust domain: empty (expected: a name such as prod.example.org)");
        }
        String candidate = name.startsWith(SpiffeId.SCHEME_PREFIX) ? SpiffeId.parse(name).trustDomain().name() : name;
        if (candidate.length() > MAX_LENGTH) {
            throw new InvalidSpiffeIdException("trust domain: " + candidate.length()
                    + " characters (expected: at most " + MAX_LENGTH + ")");
        }
        if (!NAME.matcher(candidate).matches()) {
            throw new InvalidSpiffeIdException("trust domain: '" + SpiffeId.printable(candidate)
                    + "' (expected: lowercase letters, digits, '.', '-' and '_' only)");
        }
        return new TrustDomain(candidate);
    }

    /** The trust domain name, such as {@code prod.example.org}. */
    public String name() {
        return name;
    }

    /** The trust domain's own SPIFFE ID, {@code spiffe://<name>}, as used in bundles and audiences. */
    public String idString() {
        return SpiffeId.SCHEME_PREFIX + name;
    }

    @Override
    public int compareTo(TrustDomain other) {
        return name.compareTo(other.name);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TrustDomain other && name.equals(other.name);
    }

    @Override
    public int hashCode() {
        return Objects.hashCode(name);
    }

    @Override
    public String toString() {
        return name;
    }
}
