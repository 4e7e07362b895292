package io.meshid.common.kubernetes;

import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSetCacheRefreshEvaluator;
import com.nimbusds.jose.jwk.source.JWKSetSource;
import com.nimbusds.jose.proc.SecurityContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;

/**
 * A JWKS read from a file, for nimbus' caching chain: each (rate-limited, cached) fetch reads the
 * file again, so replacing the file rotates the keys. At most {@value #MAX_BYTES} bytes; public
 * keys only. Thread-safe.
 */
final class FileJwkSetSource implements JWKSetSource<SecurityContext> {

    static final int MAX_BYTES = 256 * 1024;

    private final Path file;

    FileJwkSetSource(Path file) {
        this.file = file;
    }

    @Override
    public JWKSet getJWKSet(JWKSetCacheRefreshEvaluator refresh, long currentTime, SecurityContext context) throws KeySourceException {
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new KeySourceException("JWKS file " + file + " is larger than " + MAX_BYTES + " bytes");
            }
            return JWKSet.parse(Files.readString(file, StandardCharsets.UTF_8)).toPublicJWKSet();
        } catch (IOException | ParseException e) {
            throw new KeySourceException("JWKS file " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
    }
}
