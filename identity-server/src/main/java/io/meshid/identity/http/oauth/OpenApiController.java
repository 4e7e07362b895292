package io.meshid.identity.http.oauth;

import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The bridge's OpenAPI 3.1 document (docs/oauth-openapi.yaml, packaged) at {@link #PATH}. */
@Controller
final class OpenApiController {

    static final String PATH = "/.well-known/openapi.yaml";
    private static final String RESOURCE = "/meshid/oauth-openapi.yaml";

    private final String document;

    OpenApiController() {
        try (InputStream in = OpenApiController.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the jar");
            }
            document = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Get(uri = PATH, produces = "application/yaml")
    HttpResponse<String> openapi() {
        return HttpResponse.ok(document).contentType(new MediaType("application/yaml")).header("Cache-Control", "public, max-age=300");
    }
}
