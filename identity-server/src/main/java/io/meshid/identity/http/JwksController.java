package io.meshid.identity.http;

import io.meshid.identity.jwt.Jwks;
import io.meshid.identity.jwt.JwksAccess;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;

/**
 * The home trust domain's JWKS at {@code /.well-known/jwks.json} on identity-server's HTTP port
 * (HTTPS with its SVID in dev and production): public keys only, with a {@code Cache-Control}
 * max-age of the refresh hint, for verifiers that do not speak gRPC (OAuth resource servers,
 * {@code jose}, nimbus' remote JWK sets).
 */
@Controller
final class JwksController {

    private final JwksAccess access;

    JwksController(JwksAccess access) {
        this.access = access;
    }

    @Get(uri = "/.well-known/jwks.json", produces = "application/jwk-set+json")
    @ExecuteOn(TaskExecutors.BLOCKING)
    HttpResponse<String> jwks() {
        Jwks jwks = access.homeJwks();
        return HttpResponse.ok(jwks.json()).contentType(new MediaType("application/jwk-set+json"))
                .header("Cache-Control", "public, max-age=" + jwks.refreshHint().toSeconds());
    }
}
