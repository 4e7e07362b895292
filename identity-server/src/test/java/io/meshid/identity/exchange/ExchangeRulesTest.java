package io.meshid.identity.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.meshid.common.errors.MeshidException;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ExchangeRulesTest {

    private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");
    private static final TrustDomain TD = TrustDomain.of("ex.test");
    private static final String TOKEN_ENDPOINT = "https://identity.ex.test/oauth2/token";
    private static final String API = "spiffe://ex.test/ns/shop/sa/api";
    private static final String GATEWAY = "spiffe://ex.test/ns/edge/sa/gateway";
    private static final String DB = "spiffe://ex.test/ns/shop/sa/db";
    private static final String BATCH = "spiffe://ex.test/ns/ops/sa/batch";
    private static final String REPORTER = "spiffe://ex.test/ns/ops/sa/reporter";
    private static final String JWT = TokenTypeUri.JWT.uri();

    private final ExchangeRules rules = new ExchangeRules(Set.of(TOKEN_ENDPOINT),
            List.of(new DelegationRule("edge-for-users", List.of(GATEWAY), List.of("user-*"), List.of("spiffe://ex.test/ns/shop/*"), false),
                    new DelegationRule("edge-for-shop", List.of(GATEWAY), List.of("spiffe://ex.test/ns/shop/*"), List.of(), false),
                    new DelegationRule("batch-as-reporter", List.of(BATCH), List.of(REPORTER), List.of(DB), true)),
            Duration.ofMinutes(5), td -> "spiffe://" + td.name());

    private static PresentedToken token(PresentedToken.Origin origin, String sub, List<String> aud, List<String> scopes,
            Duration life, Map<String, Object> act, Map<String, Object> mayAct) {
        return new PresentedToken(origin, origin == PresentedToken.Origin.EXTERNAL ? "https://idp.example" : "spiffe://ex.test", TD,
                sub, aud, scopes, NOW.plus(life), "jti-" + sub, Optional.ofNullable(act), Optional.ofNullable(mayAct));
    }

    private static PresentedToken access(String sub, List<String> aud, List<String> scopes) {
        return token(PresentedToken.Origin.ACCESS_TOKEN, sub, aud, scopes, Duration.ofMinutes(30), null, null);
    }

    private static PresentedToken svid(String sub, List<String> aud) {
        return token(PresentedToken.Origin.JWT_SVID, sub, aud, List.of(), Duration.ofMinutes(30), null, null);
    }

    private static ExchangeRequest request(String caller, List<String> audience, List<String> scope, boolean actor, String requested) {
        return ExchangeRequest.of(SpiffeId.parse(caller), "a.b.c", TokenTypeUri.ACCESS_TOKEN.uri(), actor ? "d.e.f" : "",
                actor ? TokenTypeUri.JWT.uri() : "", audience, List.of(), scope, requested);
    }

    private ExchangePlan decide(ExchangeRequest request, PresentedToken subject, PresentedToken actor) {
        return rules.decide(request, subject, Optional.ofNullable(actor), NOW);
    }

    private static MeshidException failure(Runnable call) {
        return catchThrowableOfType(MeshidException.class, call::run);
    }

    @Test
    void ownToken_isExchanged_forAnotherAudience_withItsScopes_andNoAct() {
        ExchangePlan plan = decide(request(API, List.of(DB), List.of(), false, ""), access(API, List.of(API), List.of("read", "write")), null);

        assertThat(plan.subject()).isEqualTo(API);
        assertThat(plan.audience()).containsExactly(DB);
        assertThat(plan.scopes()).containsExactly("read", "write");
        assertThat(plan.act()).isEmpty();
        assertThat(plan.type()).isEqualTo(TokenTypeUri.ACCESS_TOKEN);
        assertThat(plan.clientId()).isEqualTo(API);
        assertThat(plan.expiresAt()).isEqualTo(NOW.plus(Duration.ofMinutes(5)));
    }

    @Test
    void tokenIssuedToTheCaller_becomesDelegation_namingTheCallerInAct() {
        ExchangePlan plan = decide(request(API, List.of(DB), List.of("read"), false, ""), access("user-42", List.of(API), List.of("read", "write")), null);

        assertThat(plan.subject()).isEqualTo("user-42");
        assertThat(plan.kind()).isEqualTo(ExchangePlan.Kind.DELEGATION);
        assertThat(plan.act()).contains(Map.of("sub", API));
        assertThat(plan.scopes()).containsExactly("read");
        assertThat(plan.grantedBy()).contains("issued to the caller");
    }

    @Test
    void tokenIssuedToTheTokenEndpoint_becomesDelegation_namingTheCallerInAct() {
        ExchangePlan plan = decide(request(API, List.of(DB), List.of(), false, ""), access("user-1", List.of(TOKEN_ENDPOINT), List.of()), null);

        assertThat(plan.kind()).isEqualTo(ExchangePlan.Kind.DELEGATION);
        assertThat(plan.act()).contains(Map.of("sub", API));
        assertThat(plan.grantedBy()).contains("token endpoint");
    }

    /** The review's attack: A sends B a JWT-SVID for B; B must not come out of an exchange as A. */
    @Test
    void recipientOfAJwtSvid_cannotBecomeTheSender() {
        PresentedToken fromGateway = svid(GATEWAY, List.of(API));

        ExchangePlan plan = decide(request(API, List.of(DB), List.of(), false, ""), fromGateway, null);
        assertThat(plan.subject()).isEqualTo(GATEWAY);
        assertThat(plan.act()).contains(Map.of("sub", API));

        MeshidException asJwtSvid = failure(() -> decide(request(API, List.of(DB), List.of(), false, JWT), fromGateway, null));
        assertThat(asJwtSvid.reason()).contains(OAuthErrors.UNAUTHORIZED_CLIENT);
        assertThat(asJwtSvid.getMessage()).contains("pass as that workload");
    }

    @Test
    void recipientOfATokenForTheTokenEndpoint_cannotGetAJwtSvidOfTheSender() {
        assertThat(failure(() -> decide(request(API, List.of(DB), List.of(), false, JWT), svid(GATEWAY, List.of(TOKEN_ENDPOINT)), null))
                .reason()).contains(OAuthErrors.UNAUTHORIZED_CLIENT);
    }

    @Test
    void actorTokenMerelyIssuedToTheCaller_doesNotMakeItTheActor() {
        PresentedToken subject = token(PresentedToken.Origin.ACCESS_TOKEN, "user-7", List.of(DB), List.of(), Duration.ofMinutes(30),
                null, Map.of("sub", GATEWAY));

        MeshidException e = failure(() -> decide(request(API, List.of(DB), List.of(), true, ""), subject, svid(GATEWAY, List.of(API))));

        assertThat(e.reason()).contains(OAuthErrors.UNAUTHORIZED_CLIENT);
        assertThat(e.getMessage()).startsWith("actor_token:").contains("is not the caller " + API);
    }

    @Test
    void impersonationRule_issuesTheSubjectsOwnToken_andMayIssueItsJwtSvid() {
        PresentedToken reporter = svid(REPORTER, List.of(DB));

        ExchangePlan access = decide(request(BATCH, List.of(DB), List.of(), false, ""), reporter, null);
        ExchangePlan jwtSvid = decide(request(BATCH, List.of(DB), List.of(), false, JWT), reporter, null);

        assertThat(access.kind()).isEqualTo(ExchangePlan.Kind.IMPERSONATION);
        assertThat(access.act()).isEmpty();
        assertThat(access.grantedBy()).contains("impersonation").contains("batch-as-reporter");
        assertThat(jwtSvid.type()).isEqualTo(TokenTypeUri.JWT);
        assertThat(jwtSvid.subject()).isEqualTo(REPORTER);
        assertThat(jwtSvid.kind()).isEqualTo(ExchangePlan.Kind.IMPERSONATION);
    }

    @Test
    void impersonationRule_holdsOnlyForItsAudiences_andAnActorTokenAsksForDelegation() {
        PresentedToken reporter = svid(REPORTER, List.of(DB));

        assertThat(failure(() -> decide(request(BATCH, List.of(API), List.of(), false, JWT), reporter, null)).reason())
                .contains(OAuthErrors.UNAUTHORIZED_CLIENT);
        ExchangePlan withActor = decide(request(BATCH, List.of(DB), List.of(), true, ""), reporter, svid(BATCH, List.of()));
        assertThat(withActor.kind()).isEqualTo(ExchangePlan.Kind.DELEGATION);
        assertThat(withActor.act()).contains(Map.of("sub", BATCH));
    }

    @Test
    void delegationRule_neverYieldsAJwtSvidOfTheSubject() {
        PresentedToken db = svid(DB, List.of("https://shop.example"));

        assertThat(decide(request(GATEWAY, List.of(API), List.of(), false, ""), db, null).act()).contains(Map.of("sub", GATEWAY));
        assertThat(failure(() -> decide(request(GATEWAY, List.of(API), List.of(), false, JWT), db, null)).reason())
                .contains(OAuthErrors.UNAUTHORIZED_CLIENT);
    }

    @Test
    void subjectTokenNotIssuedToTheCaller_isUnauthorizedClient() {
        MeshidException e = failure(() -> decide(request(API, List.of(DB), List.of(), false, ""),
                access("user-1", List.of("spiffe://ex.test/ns/other/sa/x"), List.of()), null));

        assertThat(e.kind()).isEqualTo(io.meshid.common.errors.MeshidException.Kind.PERMISSION_DENIED);
        assertThat(e.reason()).contains(OAuthErrors.UNAUTHORIZED_CLIENT);
        assertThat(e.getMessage()).contains("not to the caller " + API);
    }

    @Test
    void withoutAudience_theSubjectTokensAudienceIsKept() {
        assertThat(decide(request(API, List.of(), List.of(), false, ""), access(API, List.of(API, DB), List.of()), null).audience())
                .containsExactly(API, DB);
    }

    @Test
    void delegation_withMayActNamingTheActor_nestsTheSubjectsOwnAct() {
        Map<String, Object> prior = Map.of("sub", "spiffe://ex.test/ns/edge/sa/lb");
        PresentedToken subject = token(PresentedToken.Origin.ACCESS_TOKEN, "user-7", List.of("spiffe://ex.test/ns/shop/sa/cart"),
                List.of("orders"), Duration.ofMinutes(30), prior, Map.of("sub", API));

        ExchangePlan plan = decide(request(API, List.of(DB), List.of(), true, ""), subject, svid(API, List.of(TOKEN_ENDPOINT)));

        assertThat(plan.subject()).isEqualTo("user-7");
        assertThat(plan.act()).contains(Map.of("sub", API, "act", prior));
        assertThat(plan.kind()).isEqualTo(ExchangePlan.Kind.DELEGATION);
        assertThat(plan.grantedBy()).contains("may_act");
    }

    @Test
    void delegation_withoutMayActOrRule_isUnauthorizedClient() {
        PresentedToken subject = access("user-7", List.of(DB), List.of());

        MeshidException e = failure(() -> decide(request(API, List.of(DB), List.of(), true, ""), subject,
                svid(API, List.of(TOKEN_ENDPOINT))));

        assertThat(e.reason()).contains(OAuthErrors.UNAUTHORIZED_CLIENT);
        assertThat(e.getMessage()).contains("may not act for user-7");
        assertThat(failure(() -> decide(request(API, List.of(DB), List.of(), false, ""), subject, null)).reason())
                .contains(OAuthErrors.UNAUTHORIZED_CLIENT);
    }

    @Test
    void mayActNamingSomeoneElse_doesNotLetTheActorIn() {
        PresentedToken subject = token(PresentedToken.Origin.ACCESS_TOKEN, "user-7", List.of(DB), List.of(), Duration.ofMinutes(30),
                null, Map.of("sub", GATEWAY));

        assertThat(failure(() -> decide(request(API, List.of(DB), List.of(), true, ""), subject, svid(API, List.of()))).reason())
                .contains(OAuthErrors.UNAUTHORIZED_CLIENT);
    }

    @Test
    void mayActWithAnIssuer_needsTheActorFromThatIssuer() {
        PresentedToken subject = token(PresentedToken.Origin.ACCESS_TOKEN, "user-7", List.of(DB), List.of(), Duration.ofMinutes(30),
                null, Map.of("sub", API, "iss", "https://elsewhere.example"));

        assertThat(failure(() -> decide(request(API, List.of(DB), List.of(), true, ""), subject, svid(API, List.of()))).reason())
                .contains(OAuthErrors.UNAUTHORIZED_CLIENT);
        assertThat(failure(() -> decide(request(API, List.of(DB), List.of(), false, ""), subject, null)).reason())
                .contains(OAuthErrors.UNAUTHORIZED_CLIENT);
    }

    @Test
    void mayActNamingTheCaller_withMeshidsIssuer_allowsDelegationWithoutAnActorToken() {
        PresentedToken subject = token(PresentedToken.Origin.ACCESS_TOKEN, "user-7", List.of(DB), List.of(), Duration.ofMinutes(30),
                null, Map.of("sub", API, "iss", "spiffe://ex.test"));

        ExchangePlan plan = decide(request(API, List.of(DB), List.of(), false, ""), subject, null);

        assertThat(plan.act()).contains(Map.of("sub", API));
        assertThat(plan.grantedBy()).contains("may_act");
    }

    @Test
    void configuredRule_letsTheGatewayActForUsers_onlyTowardItsAudiences() {
        PresentedToken subject = access("user-9", List.of("https://shop.example"), List.of("orders"));
        PresentedToken gateway = svid(GATEWAY, List.of(TOKEN_ENDPOINT));

        ExchangePlan plan = decide(request(GATEWAY, List.of(API), List.of(), true, ""), subject, gateway);

        assertThat(plan.act()).contains(Map.of("sub", GATEWAY));
        assertThat(plan.grantedBy()).contains("rule edge-for-users");
        assertThat(failure(() -> decide(request(GATEWAY, List.of("spiffe://ex.test/ns/bank/sa/core"), List.of(), true, ""), subject,
                gateway)).reason()).contains(OAuthErrors.UNAUTHORIZED_CLIENT);
    }

    @Test
    void actorTokenOfSomeoneElse_isUnauthorizedClient() {
        MeshidException e = failure(() -> decide(request(API, List.of(DB), List.of(), true, ""), access(API, List.of(API), List.of()),
                svid(GATEWAY, List.of(DB))));

        assertThat(e.reason()).contains(OAuthErrors.UNAUTHORIZED_CLIENT);
        assertThat(e.getMessage()).startsWith("actor_token:");
    }

    @Test
    void scopeBeyondTheSubjects_isInvalidScope() {
        MeshidException e = failure(() -> decide(request(API, List.of(DB), List.of("read", "admin"), false, ""),
                access(API, List.of(API), List.of("read")), null));

        assertThat(e.kind()).isEqualTo(io.meshid.common.errors.MeshidException.Kind.INVALID_ARGUMENT);
        assertThat(e.reason()).contains(OAuthErrors.INVALID_SCOPE);
        assertThat(e.getMessage()).contains("'admin'");
    }

    @Test
    void scopeWithAJwtSvidSubject_isInvalidScope() {
        assertThat(failure(() -> decide(request(API, List.of(DB), List.of("read"), false, ""), svid(API, List.of(API)), null)).getMessage())
                .contains("JWT-SVID carries none");
    }

    @Test
    void lifetime_isCutToTheSubjectAndTheActor() {
        PresentedToken subject = token(PresentedToken.Origin.ACCESS_TOKEN, API, List.of(API), List.of(), Duration.ofSeconds(90), null, null);
        PresentedToken shortActor = token(PresentedToken.Origin.JWT_SVID, API, List.of(), List.of(), Duration.ofSeconds(40), null, null);

        assertThat(decide(request(API, List.of(DB), List.of(), false, ""), subject, null).expiresAt()).isEqualTo(NOW.plusSeconds(90));
        assertThat(decide(request(API, List.of(DB), List.of(), true, ""), subject, shortActor).expiresAt()).isEqualTo(NOW.plusSeconds(40));
    }

    @Test
    void expiredSubject_isInvalidGrant() {
        PresentedToken subject = token(PresentedToken.Origin.ACCESS_TOKEN, API, List.of(API), List.of(), Duration.ofSeconds(-1), null, null);

        assertThat(failure(() -> decide(request(API, List.of(DB), List.of(), false, ""), subject, null)).reason())
                .contains(OAuthErrors.INVALID_GRANT);
    }

    @Test
    void tokenOfAnotherTrustDomain_isInvalidGrant() {
        PresentedToken foreign = new PresentedToken(PresentedToken.Origin.ACCESS_TOKEN, "spiffe://other.test", TrustDomain.of("other.test"),
                "spiffe://other.test/x", List.of(API), List.of(), NOW.plusSeconds(600), "j", Optional.empty(), Optional.empty());

        assertThat(failure(() -> decide(request(API, List.of(DB), List.of(), false, ""), foreign, null)).getMessage())
                .contains("trust domain other.test");
    }

    @Test
    void jwtSvidShaped_needsASpiffeIdSubject_andCarriesNoScope() {
        String jwt = JWT;
        ExchangePlan plan = decide(request(API, List.of(DB), List.of(), false, jwt), access(API, List.of(API), List.of("read")), null);

        assertThat(plan.type()).isEqualTo(TokenTypeUri.JWT);
        assertThat(plan.scopes()).isEmpty();
        assertThat(failure(() -> decide(request(API, List.of(DB), List.of(), false, jwt), access("user-1", List.of(API), List.of()), null))
                .reason()).contains(OAuthErrors.UNSUPPORTED_TOKEN_TYPE);
    }

    @Test
    void withoutActor_theSubjectsActChainIsNestedUnderTheCaller() {
        Map<String, Object> prior = Map.of("sub", GATEWAY);
        PresentedToken subject = token(PresentedToken.Origin.ACCESS_TOKEN, "user-3", List.of(API), List.of(), Duration.ofMinutes(9), prior, null);

        assertThat(decide(request(API, List.of(DB), List.of(), false, ""), subject, null).act()).contains(Map.of("sub", API, "act", prior));
    }

    @Test
    void ownTokenWithAnActChain_keepsIt_andIsNeverAJwtSvid() {
        Map<String, Object> prior = Map.of("sub", GATEWAY);
        PresentedToken own = token(PresentedToken.Origin.ACCESS_TOKEN, API, List.of(DB), List.of(), Duration.ofMinutes(9), prior, null);

        assertThat(decide(request(API, List.of(DB), List.of(), false, ""), own, null).act()).contains(prior);
        assertThat(failure(() -> decide(request(API, List.of(DB), List.of(), false, JWT), own, null)).reason())
                .contains(OAuthErrors.UNAUTHORIZED_CLIENT);
    }

    @Test
    void actChainDeeperThanTheLimit_isInvalidGrant() {
        Map<String, Object> chain = Map.of("sub", "a0");
        for (int i = 1; i < ExchangeRules.MAX_ACT_DEPTH; i++) {
            chain = Map.of("sub", "a" + i, "act", chain);
        }
        PresentedToken subject = token(PresentedToken.Origin.ACCESS_TOKEN, "user-3", List.of(API), List.of(), Duration.ofMinutes(9),
                chain, Map.of("sub", API));

        assertThat(failure(() -> decide(request(API, List.of(DB), List.of(), true, ""), subject, svid(API, List.of()))).getMessage())
                .contains("deeper than " + ExchangeRules.MAX_ACT_DEPTH);
    }
}
