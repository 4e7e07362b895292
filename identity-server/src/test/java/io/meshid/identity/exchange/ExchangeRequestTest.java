package io.meshid.identity.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.meshid.common.errors.MeshidException;
import io.meshid.common.spiffe.SpiffeId;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExchangeRequestTest {

    private static final SpiffeId CALLER = SpiffeId.parse("spiffe://ex.test/ns/shop/sa/api");
    private static final String AT = TokenTypeUri.ACCESS_TOKEN.uri();

    private static MeshidException failure(String subject, String type, String actor, String actorType, List<String> aud,
            List<String> res, List<String> scope, String requested) {
        return catchThrowableOfType(MeshidException.class,
                () -> ExchangeRequest.of(CALLER, subject, type, actor, actorType, aud, res, scope, requested));
    }

    @Test
    void wellFormed_keepsItsFields_andPrintsNoToken() {
        ExchangeRequest r = ExchangeRequest.of(CALLER, "secret.token.value", AT, "", "", List.of("a", "b"), List.of("https://x.example/api"),
                List.of("read"), "");

        assertThat(r.targets()).containsExactly("a", "b", "https://x.example/api");
        assertThat(r.requestedType()).isEqualTo(TokenTypeUri.ACCESS_TOKEN);
        assertThat(r.toString()).doesNotContain("secret.token.value");
    }

    @Test
    void missingSubjectToken_isInvalidRequest() {
        assertThat(failure("", AT, "", "", List.of(), List.of(), List.of(), "").reason()).contains(OAuthErrors.INVALID_REQUEST);
    }

    @Test
    void oversizedSubjectToken_isInvalidRequest() {
        assertThat(failure("x".repeat(8193), AT, "", "", List.of(), List.of(), List.of(), "").getMessage()).contains("8193 characters");
    }

    @Test
    void unsupportedTokenTypes_areUnsupportedTokenType() {
        assertThat(failure("t", "urn:ietf:params:oauth:token-type:id_token", "", "", List.of(), List.of(), List.of(), "").reason())
                .contains(OAuthErrors.UNSUPPORTED_TOKEN_TYPE);
        assertThat(failure("t", AT, "", "", List.of(), List.of(), List.of(), "urn:ietf:params:oauth:token-type:refresh_token").reason())
                .contains(OAuthErrors.UNSUPPORTED_TOKEN_TYPE);
        assertThat(failure("t", AT, "a", "urn:ietf:params:oauth:token-type:saml2", List.of(), List.of(), List.of(), "").reason())
                .contains(OAuthErrors.UNSUPPORTED_TOKEN_TYPE);
    }

    @Test
    void missingSubjectTokenType_isInvalidRequest() {
        assertThat(failure("t", "", "", "", List.of(), List.of(), List.of(), "").reason()).contains(OAuthErrors.INVALID_REQUEST);
    }

    @Test
    void actorTokenWithoutItsType_andTheReverse_areInvalidRequest() {
        MeshidException without = failure("t", AT, "actor", "", List.of(), List.of(), List.of(), "");
        assertThat(without.reason()).contains(OAuthErrors.INVALID_REQUEST);
        assertThat(without.getMessage()).startsWith("actor_token_type: missing");
        assertThat(failure("t", AT, "", AT, List.of(), List.of(), List.of(), "").reason()).contains(OAuthErrors.INVALID_REQUEST);
    }

    @Test
    void tooManyOrTooLongAudiences_areInvalidTarget() {
        assertThat(failure("t", AT, "", "", Collections.nCopies(17, "a"), List.of(), List.of(), "").getMessage())
                .isEqualTo("audience: 17 values (expected: at most 16)");
        assertThat(failure("t", AT, "", "", List.of("ok", "a".repeat(257)), List.of(), List.of(), "").getMessage())
                .startsWith("audience[1]: 257 characters");
        assertThat(failure("t", AT, "", "", List.of(""), List.of(), List.of(), "").reason()).contains(OAuthErrors.INVALID_TARGET);
    }

    @Test
    void relativeOrFragmentResource_isInvalidTarget() {
        assertThat(failure("t", AT, "", "", List.of(), List.of("/relative"), List.of(), "").reason()).contains(OAuthErrors.INVALID_TARGET);
        assertThat(failure("t", AT, "", "", List.of(), List.of("https://x.example/#frag"), List.of(), "").reason())
                .contains(OAuthErrors.INVALID_TARGET);
        assertThat(failure("t", AT, "", "", List.of(), Collections.nCopies(17, "https://x.example"), List.of(), "").reason())
                .contains(OAuthErrors.INVALID_TARGET);
    }

    @Test
    void malformedOrTooManyScopes_areInvalidScope() {
        assertThat(failure("t", AT, "", "", List.of(), List.of(), List.of("has space"), "").reason()).contains(OAuthErrors.INVALID_SCOPE);
        assertThat(failure("t", AT, "", "", List.of(), List.of(), List.of(""), "").reason()).contains(OAuthErrors.INVALID_SCOPE);
        assertThat(failure("t", AT, "", "", List.of(), List.of(), Collections.nCopies(65, "s"), "").reason())
                .contains(OAuthErrors.INVALID_SCOPE);
    }
}
