package io.meshid.common.spiffe;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A SPIFFE ID, {@code spiffe://<trust-domain>/<path>}, validated by the rules of the SPIFFE ID
 * standard: scheme {@code spiffe} in lowercase, a valid {@link TrustDomain}, a path of non-empty
 * segments made of letters, digits, {@code .}, {@code -} and {@code _}, none of them {@code .} or
 * {@code ..}, no trailing slash, no query, fragment, port or user info, and at most
 * {@value #MAX_LENGTH} bytes in all.
 *
 * <p>An instance is always valid. meshid's default path shape is
 * {@code /ns/<namespace>/sa/<service-account>}; {@link #namespace()} and {@link #serviceAccount()}
 * read it when present. Immutable and thread-safe.
 */
public record SpiffeId(TrustDomain trustDomain, String path) implements Comparable<SpiffeId> {

    /** The longest SPIFFE ID accepted, in bytes (the standard's interoperability limit). */
    public static final int MAX_LENGTH = 2048;

    static final String SCHEME_PREFIX = "spiffe://";

    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._-]+");

    /** Validates the parts; prefer {@link #parse(String)} or {@link #of(TrustDomain, String)}. */
    public SpiffeId {
        if (trustDomain == null) {
            throw new InvalidSpiffeIdException("SPIFFE ID: no trust domain (expected: spiffe://<trust-domain>/<path>)");
        }
        path = path == null ? "" : path;
        checkPath(path);
        int length = SCHEME_PREFIX.length() + trustDomain.name().length() + path.length();
        if (length > MAX_LENGTH) {
            throw new InvalidSpiffeIdException("SPIFFE ID: " + length + " bytes (expected: at most " + MAX_LENGTH + ")");
        }
    }

    /**
     * Parses a SPIFFE ID such as {@code spiffe://prod.example.org/ns/payments/sa/api}.
     *
     * @throws InvalidSpiffeIdException naming what was wrong and what was expected
     */
    public static SpiffeId parse(String uri) {
        if (uri == null || uri.isEmpty()) {
            throw new InvalidSpiffeIdException("SPIFFE ID: empty (expected: spiffe://<trust-domain>/<path>)");
        }
        if (uri.length() > MAX_LENGTH) {
            throw new InvalidSpiffeIdException("SPIFFE ID: " + uri.length() + " bytes (expected: at most " + MAX_LENGTH + ")");
        }
        if (!uri.startsWith(SCHEME_PREFIX)) {
            throw new InvalidSpiffeIdException("SPIFFE ID: '" + printable(uri)
                    + "' (expected: to start with spiffe:// in lowercase)");
        }
        String rest = uri.substring(SCHEME_PREFIX.length());
        for (char c : new char[] {'?', '#', '@', ':'}) {
            if (rest.indexOf(c) >= 0) {
                throw new InvalidSpiffeIdException("SPIFFE ID: '" + printable(uri) + "' contains '" + c
                        + "' (expected: no query, fragment, user info or port)");
            }
        }
        int slash = rest.indexOf('/');
        String domain = slash < 0 ? rest : rest.substring(0, slash);
        String path = slash < 0 ? "" : rest.substring(slash);
        if (domain.isEmpty()) {
            throw new InvalidSpiffeIdException("SPIFFE ID: '" + printable(uri) + "' has no trust domain (expected: spiffe://<trust-domain>/<path>)");
        }
        return new SpiffeId(TrustDomain.of(domain), path);
    }

    /** A SPIFFE ID in {@code trustDomain} with the given path ({@code /ns/x/sa/y}); validated. */
    public static SpiffeId of(TrustDomain trustDomain, String path) {
        return new SpiffeId(trustDomain, path);
    }

    /** meshid's default shape, {@code spiffe://<td>/ns/<namespace>/sa/<serviceAccount>}; validated. */
    public static SpiffeId forWorkload(TrustDomain trustDomain, String namespace, String serviceAccount) {
        return new SpiffeId(trustDomain, "/ns/" + namespace + "/sa/" + serviceAccount);
    }

    /** The path's segments, in order; empty for the trust domain's own ID. */
    public List<String> segments() {
        if (path.isEmpty()) {
            return List.of();
        }
        return List.of(path.substring(1).split("/", -1));
    }

    /** The namespace when the path has meshid's default shape {@code /ns/<ns>/sa/<sa>}. */
    public Optional<String> namespace() {
        List<String> s = segments();
        return s.size() == 4 && s.get(0).equals("ns") && s.get(2).equals("sa") ? Optional.of(s.get(1)) : Optional.empty();
    }

    /** The service account when the path has meshid's default shape {@code /ns/<ns>/sa/<sa>}. */
    public Optional<String> serviceAccount() {
        List<String> s = segments();
        return s.size() == 4 && s.get(0).equals("ns") && s.get(2).equals("sa") ? Optional.of(s.get(3)) : Optional.empty();
    }

    /** True when this ID belongs to {@code domain}. */
    public boolean memberOf(TrustDomain domain) {
        return trustDomain.equals(domain);
    }

    @Override
    public int compareTo(SpiffeId other) {
        return toString().compareTo(other.toString());
    }

    @Override
    public String toString() {
        return SCHEME_PREFIX + trustDomain.name() + path;
    }

    private static void checkPath(String path) {
        if (path.isEmpty()) {
            return;
        }
        if (path.charAt(0) != '/') {
            throw new InvalidSpiffeIdException("SPIFFE ID path: '" + printable(path) + "' (expected: to start with '/')");
        }
        List<String> segments = new ArrayList<>(List.of(path.substring(1).split("/", -1)));
        for (String segment : segments) {
            if (segment.isEmpty()) {
                throw new InvalidSpiffeIdException("SPIFFE ID path: '" + printable(path)
                        + "' has an empty segment (expected: no '//' and no trailing '/')");
            }
            if (segment.equals(".") || segment.equals("..")) {
                throw new InvalidSpiffeIdException("SPIFFE ID path: '" + printable(path)
                        + "' has a '" + segment + "' segment (expected: no '.' or '..' segments)");
            }
            if (!SEGMENT.matcher(segment).matches()) {
                throw new InvalidSpiffeIdException("SPIFFE ID path segment: '" + printable(segment)
                        + "' (expected: letters, digits, '.', '-' and '_' only)");
            }
        }
    }

    /** Bounds a user-supplied value before it goes into an error message. */
    static String printable(String value) {
        String cut = value.length() > 80 ? value.substring(0, 80) + "…" : value;
        StringBuilder out = new StringBuilder(cut.length());
        cut.codePoints().forEach(cp -> out.append(cp < 0x20 || cp == 0x7f ? '?' : Character.toString(cp)));
        return out.toString();
    }
}
