package io.meshid.identity.http.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import com.nimbusds.oauth2.sdk.AccessTokenResponse;
import com.nimbusds.oauth2.sdk.AuthorizationGrant;
import com.nimbusds.oauth2.sdk.ClientCredentialsGrant;
import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.JWTBearerGrant;
import com.nimbusds.oauth2.sdk.OAuth2Error;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenErrorResponse;
import com.nimbusds.oauth2.sdk.TokenIntrospectionRequest;
import com.nimbusds.oauth2.sdk.TokenIntrospectionResponse;
import com.nimbusds.oauth2.sdk.TokenIntrospectionSuccessResponse;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.TokenRevocationRequest;
import com.nimbusds.oauth2.sdk.as.AuthorizationServerMetadata;
import com.nimbusds.oauth2.sdk.auth.ClientAuthentication;
import com.nimbusds.oauth2.sdk.auth.ClientAuthenticationMethod;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.ClientSecretPost;
import com.nimbusds.oauth2.sdk.auth.PrivateKeyJWT;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.auth.PKITLSClientAuthentication;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.id.Audience;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.token.AccessToken;
import com.nimbusds.oauth2.sdk.token.BearerAccessToken;
import com.nimbusds.oauth2.sdk.token.TokenTypeURI;
import com.nimbusds.oauth2.sdk.token.TypelessAccessToken;
import com.nimbusds.oauth2.sdk.tokenexchange.TokenExchangeGrant;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.tls.X509Svid;
import io.meshid.identity.oauth.AuthMethod;
import io.meshid.identity.oauth.ClientAuthenticator;
import io.meshid.identity.oauth.GrantType;
import java.net.ServerSocket;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The bridge against Nimbus {@code oauth2-oidc-sdk}, a Java OAuth library no one here wrote, used
 * as its documentation shows and unmodified: RFC 8414 discovery, {@code client_credentials} with
 * every client authentication method (the {@code tls_client_auth} token certificate-bound), token
 * exchange with an actor (RFC 8693), the jwt-bearer grant (RFC 7523), introspection (RFC 7662),
 * revocation (RFC 7009), and the library's parsing of the RFC 6749 errors. Every token is verified
 * against the served JWKS with {@code nimbus-jose-jwt}'s JWT processor as an RFC 9068 resource
 * server configures it ({@code typ at+jwt}, issuer, audience, required claims). TLS: the trust
 * bundle and the JDK's host name check, no custom verifier. The issuer is the bridge's https URL,
 * as an operator configures it for OAuth clients ({@code meshid.identity.jwt.issuer}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OAuthNimbusInteropTest {

    private static final String API = "https://api.bridge.test";
    private static final String SELF = "spiffe://bridge.test/meshid/identity-server";

    private BridgeServer bridge;
    private SSLSocketFactory tls;
    private AuthorizationServerMetadata as;
    private ClientSecretBasic ci;

    @BeforeAll
    void start() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        bridge = new BridgeServer(Map.of("micronaut.server.port", port, "meshid.identity.jwt.issuer", "https://localhost:" + port));
        tls = bridge.ssl(Optional.empty()).getSocketFactory();
        String secret = bridge.client("nimbus-ci", AuthMethod.CLIENT_SECRET_BASIC, List.of(GrantType.CLIENT_CREDENTIALS,
                GrantType.TOKEN_EXCHANGE), List.of("deploy", "read"), List.of(API), Optional.empty(), Optional.empty()).orElseThrow();
        ci = new ClientSecretBasic(new ClientID("nimbus-ci"), new Secret(secret));
        as = AuthorizationServerMetadata.resolve(new Issuer(bridge.base()), request -> request.setSSLSocketFactory(tls));
    }

    @AfterAll
    void stop() {
        bridge.close();
    }

    private HTTPResponse send(HTTPRequest request) throws Exception {
        if (request.getSSLSocketFactory() == null) {
            request.setSSLSocketFactory(tls);
        }
        return request.send();
    }

    private TokenResponse token(ClientAuthentication auth, AuthorizationGrant grant, Scope scope) throws Exception {
        return TokenResponse.parse(send(new TokenRequest.Builder(as.getTokenEndpointURI(), auth, grant).scope(scope).build()
                .toHTTPRequest()));
    }

    private AccessToken accessToken(ClientAuthentication auth, AuthorizationGrant grant) throws Exception {
        TokenResponse r = token(auth, grant, null);
        assertThat(r.indicatesSuccess()).as(() -> r.toErrorResponse().getErrorObject().toJSONObject().toString()).isTrue();
        return r.toSuccessResponse().getTokens().getAccessToken();
    }

    /** As a resource server verifies an RFC 9068 token, with the JWKS the metadata names. */
    private JWTClaimsSet verified(AccessToken token, String audience) throws Exception {
        HTTPResponse jwks = send(new HTTPRequest(HTTPRequest.Method.GET, as.getJWKSetURI()));
        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(new JOSEObjectType("at+jwt")));
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.ES256, new ImmutableJWKSet<>(JWKSet.parse(
                jwks.getBody()))));
        processor.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(audience, new JWTClaimsSet.Builder().issuer(as.getIssuer()
                .getValue()).build(), Set.of("iss", "exp", "aud", "sub", "client_id", "iat", "jti")));
        return processor.process(token.getValue(), null);
    }

    @Test
    void discovery_givesWhatTheLibraryNeeds() {
        assertThat(as.getIssuer().getValue()).isEqualTo(bridge.base());
        assertThat(as.getTokenEndpointURI()).isEqualTo(URI.create(bridge.base() + "/oauth2/token"));
        assertThat(as.getGrantTypes()).extracting(g -> g.getValue()).contains("client_credentials",
                "urn:ietf:params:oauth:grant-type:token-exchange", "urn:ietf:params:oauth:grant-type:jwt-bearer");
        assertThat(as.getTokenEndpointAuthMethods()).contains(ClientAuthenticationMethod.CLIENT_SECRET_BASIC,
                ClientAuthenticationMethod.CLIENT_SECRET_POST, ClientAuthenticationMethod.PRIVATE_KEY_JWT,
                ClientAuthenticationMethod.TLS_CLIENT_AUTH);
        assertThat(as.supportsTLSClientCertificateBoundAccessTokens()).isTrue();
        assertThat(as.getMtlsEndpointAliases().getTokenEndpointURI()).isEqualTo(as.getTokenEndpointURI());
        assertThat(as.getIntrospectionEndpointURI()).isNotNull();
        assertThat(as.getRevocationEndpointURI()).isNotNull();
    }

    @Test
    void clientCredentials_withSecretBasic_andSecretPost() throws Exception {
        TokenResponse r = token(ci, new ClientCredentialsGrant(), new Scope("deploy"));
        assertThat(r.indicatesSuccess()).isTrue();
        AccessTokenResponse ok = r.toSuccessResponse();
        assertThat(ok.getTokens().getBearerAccessToken()).isNotNull();
        assertThat(ok.getTokens().getAccessToken().getScope()).isEqualTo(new Scope("deploy"));
        assertThat(ok.getTokens().getAccessToken().getLifetime()).isPositive();
        JWTClaimsSet claims = verified(ok.getTokens().getAccessToken(), API);
        assertThat(claims.getStringClaim("client_id")).isEqualTo("nimbus-ci");
        assertThat(claims.getStringClaim("scope")).isEqualTo("deploy");

        String postSecret = bridge.client("nimbus-post", AuthMethod.CLIENT_SECRET_POST, List.of(GrantType.CLIENT_CREDENTIALS),
                List.of(), List.of(API), Optional.empty(), Optional.empty()).orElseThrow();
        AccessToken posted = accessToken(new ClientSecretPost(new ClientID("nimbus-post"), new Secret(postSecret)),
                new ClientCredentialsGrant());
        assertThat(verified(posted, API).getStringClaim("client_id")).isEqualTo("nimbus-post");
    }

    @Test
    void clientCredentials_withPrivateKeyJwt() throws Exception {
        ECKey key = new ECKeyGenerator(Curve.P_256).keyID("nimbus-k1").generate();
        bridge.client("nimbus-pkj", AuthMethod.PRIVATE_KEY_JWT, List.of(GrantType.CLIENT_CREDENTIALS), List.of(), List.of(API),
                Optional.of(new JWKSet(key.toPublicJWK()).toString()), Optional.empty());
        PrivateKeyJWT auth = new PrivateKeyJWT(new ClientID("nimbus-pkj"), as.getTokenEndpointURI(), JWSAlgorithm.ES256,
                key.toECPrivateKey(), key.getKeyID(), null);
        AccessToken token = accessToken(auth, new ClientCredentialsGrant());
        assertThat(verified(token, API).getSubject()).isEqualTo("spiffe://bridge.test/meshid/oauth-client/nimbus-pkj");

        // The same assertion again: its jti is single use.
        TokenResponse replay = token(auth, new ClientCredentialsGrant(), null);
        assertThat(replay.indicatesSuccess()).isFalse();
        assertThat(replay.toErrorResponse().getErrorObject().getCode()).isEqualTo(OAuth2Error.INVALID_CLIENT.getCode());
    }

    @Test
    void clientCredentials_withTlsClientAuth_isCertificateBound() throws Exception {
        bridge.client("nimbus-mtls", AuthMethod.TLS_CLIENT_AUTH, List.of(GrantType.CLIENT_CREDENTIALS), List.of(), List.of(API),
                Optional.empty(), Optional.of(SpiffeId.parse("spiffe://bridge.test/ns/ci/sa/nimbus-runner")));
        X509Svid runner = bridge.pki.svid("/ns/ci/sa/nimbus-runner");
        PKITLSClientAuthentication auth = new PKITLSClientAuthentication(new ClientID("nimbus-mtls"),
                bridge.ssl(Optional.of(runner)).getSocketFactory());
        HTTPRequest request = new TokenRequest.Builder(as.getMtlsEndpointAliases().getTokenEndpointURI(), auth,
                new ClientCredentialsGrant()).build().toHTTPRequest();
        TokenResponse r = TokenResponse.parse(send(request));
        assertThat(r.indicatesSuccess()).as(() -> r.toErrorResponse().getErrorObject().toJSONObject().toString()).isTrue();
        AccessToken token = r.toSuccessResponse().getTokens().getAccessToken();
        String thumbprint = ClientAuthenticator.thumbprint(runner.leaf());
        assertThat(verified(token, API).getJSONObjectClaim("cnf")).containsEntry("x5t#S256", thumbprint);

        TokenIntrospectionSuccessResponse seen = TokenIntrospectionResponse.parse(send(new TokenIntrospectionRequest(
                as.getIntrospectionEndpointURI(), ci, token).toHTTPRequest())).toSuccessResponse();
        assertThat(seen.isActive()).isTrue();
        assertThat(seen.getX509CertificateConfirmation().getValue().toString()).isEqualTo(thumbprint);

        // Without the certificate the library sends only client_id: invalid_client, parsed as such.
        HTTPRequest bare = new TokenRequest.Builder(as.getTokenEndpointURI(), new PKITLSClientAuthentication(new ClientID("nimbus-mtls"),
                (SSLSocketFactory) null), new ClientCredentialsGrant()).build().toHTTPRequest();
        TokenResponse refused = TokenResponse.parse(send(bare));
        assertThat(refused.indicatesSuccess()).isFalse();
        assertThat(refused.toErrorResponse().getErrorObject().getHTTPStatusCode()).isEqualTo(401);
        assertThat(refused.toErrorResponse().getErrorObject().getCode()).isEqualTo(OAuth2Error.INVALID_CLIENT.getCode());
    }

    @Test
    void tokenExchange_withAnActor_andTheJwtBearerGrant() throws Exception {
        String upstreamSecret = bridge.client("nimbus-upstream", AuthMethod.CLIENT_SECRET_BASIC, List.of(GrantType.CLIENT_CREDENTIALS,
                GrantType.JWT_BEARER), List.of(), List.of(SELF, API), Optional.empty(), Optional.empty()).orElseThrow();
        ClientSecretBasic upstream = new ClientSecretBasic(new ClientID("nimbus-upstream"), new Secret(upstreamSecret));
        AccessToken subject = accessToken(upstream, new ClientCredentialsGrant());
        AccessToken actor = accessToken(ci, new ClientCredentialsGrant());

        TokenExchangeGrant exchange = new TokenExchangeGrant(subject, TokenTypeURI.ACCESS_TOKEN, actor, TokenTypeURI.ACCESS_TOKEN, null,
                List.of(new Audience(API)));
        TokenResponse r = token(ci, exchange, null);
        assertThat(r.indicatesSuccess()).as(() -> r.toErrorResponse().getErrorObject().toJSONObject().toString()).isTrue();
        AccessToken delegated = r.toSuccessResponse().getTokens().getAccessToken();
        assertThat(delegated.getIssuedTokenType()).isEqualTo(TokenTypeURI.ACCESS_TOKEN);
        JWTClaimsSet claims = verified(delegated, API);
        assertThat(claims.getSubject()).isEqualTo("spiffe://bridge.test/meshid/oauth-client/nimbus-upstream");
        assertThat(claims.getJSONObjectClaim("act")).containsEntry("sub", "spiffe://bridge.test/meshid/oauth-client/nimbus-ci");

        // RFC 7523 section 2.1: the upstream client trades its own token (aud: identity-server) for one of the API (RFC 8707 resource).
        TokenResponse bearer = TokenResponse.parse(send(new TokenRequest.Builder(as.getTokenEndpointURI(), upstream,
                new JWTBearerGrant(SignedJWT.parse(subject.getValue()))).resources(URI.create(API)).build().toHTTPRequest()));
        assertThat(bearer.indicatesSuccess()).as(() -> bearer.toErrorResponse().getErrorObject().toJSONObject().toString()).isTrue();
        AccessToken traded = bearer.toSuccessResponse().getTokens().getAccessToken();
        assertThat(verified(traded, API).getSubject()).isEqualTo("spiffe://bridge.test/meshid/oauth-client/nimbus-upstream");

        // An audience the client has not registered: invalid_target, as the library parses it.
        TokenResponse refused = token(ci, new TokenExchangeGrant(subject, TokenTypeURI.ACCESS_TOKEN, null, null, null,
                List.of(new Audience("https://not-registered.example"))), null);
        ErrorObject error = refused.toErrorResponse().getErrorObject();
        assertThat(error.getCode()).isEqualTo("invalid_target");
        assertThat(error.getHTTPStatusCode()).isEqualTo(400);
        assertThat(error.getDescription()).contains("not-registered.example");
    }

    @Test
    void introspection_andRevocation() throws Exception {
        AccessToken token = accessToken(ci, new ClientCredentialsGrant());
        TokenIntrospectionResponse r = TokenIntrospectionResponse.parse(send(new TokenIntrospectionRequest(
                as.getIntrospectionEndpointURI(), ci, token).toHTTPRequest()));
        assertThat(r.indicatesSuccess()).isTrue();
        TokenIntrospectionSuccessResponse active = r.toSuccessResponse();
        assertThat(active.isActive()).isTrue();
        assertThat(active.getClientID()).isEqualTo(new ClientID("nimbus-ci"));
        assertThat(active.getScope()).isEqualTo(new Scope("deploy", "read"));
        assertThat(active.getAudience()).containsExactly(new Audience(API));
        assertThat(active.getIssuer()).isEqualTo(as.getIssuer());
        assertThat(active.getExpirationTime()).isNotNull();

        HTTPResponse revoked = send(new TokenRevocationRequest(as.getRevocationEndpointURI(), ci, token).toHTTPRequest());
        assertThat(revoked.getStatusCode()).isEqualTo(200);
        TokenIntrospectionSuccessResponse after = TokenIntrospectionResponse.parse(send(new TokenIntrospectionRequest(
                as.getIntrospectionEndpointURI(), ci, token).toHTTPRequest())).toSuccessResponse();
        assertThat(after.isActive()).isFalse();
        assertThat(after.toJSONObject()).containsOnlyKeys("active");

        // An unknown token: inactive, not an error.
        assertThat(TokenIntrospectionResponse.parse(send(new TokenIntrospectionRequest(as.getIntrospectionEndpointURI(), ci,
                new BearerAccessToken("not-a-token")).toHTTPRequest())).toSuccessResponse().isActive()).isFalse();
        assertThat(send(new TokenRevocationRequest(as.getRevocationEndpointURI(), ci, new TypelessAccessToken("not-a-token"))
                .toHTTPRequest()).getStatusCode()).isEqualTo(200);
    }

    @Test
    void errors_areParsedAsRfc6749Errors() throws Exception {
        TokenResponse wrongSecret = token(new ClientSecretBasic(new ClientID("nimbus-ci"), new Secret("wrong")),
                new ClientCredentialsGrant(), null);
        TokenErrorResponse e = wrongSecret.toErrorResponse();
        assertThat(e.getErrorObject().getCode()).isEqualTo(OAuth2Error.INVALID_CLIENT.getCode());
        assertThat(e.getErrorObject().getHTTPStatusCode()).isEqualTo(401);

        TokenErrorResponse scope = token(ci, new ClientCredentialsGrant(), new Scope("admin")).toErrorResponse();
        assertThat(scope.getErrorObject().getCode()).isEqualTo(OAuth2Error.INVALID_SCOPE.getCode());
        assertThat(scope.getErrorObject().getDescription()).contains("admin");

        String ccOnly = bridge.client("nimbus-cc-only", AuthMethod.CLIENT_SECRET_BASIC, List.of(GrantType.CLIENT_CREDENTIALS),
                List.of(), List.of(API), Optional.empty(), Optional.empty()).orElseThrow();
        TokenErrorResponse grant = token(new ClientSecretBasic(new ClientID("nimbus-cc-only"), new Secret(ccOnly)),
                new TokenExchangeGrant(new TypelessAccessToken("x"), TokenTypeURI.ACCESS_TOKEN), null).toErrorResponse();
        assertThat(grant.getErrorObject().getCode()).isEqualTo(OAuth2Error.UNAUTHORIZED_CLIENT.getCode());

        // Introspection by a caller that is not an authenticated client.
        HTTPRequest anonymous = new TokenIntrospectionRequest(as.getIntrospectionEndpointURI(), new BearerAccessToken("x"),
                new TypelessAccessToken("y")).toHTTPRequest();
        TokenIntrospectionResponse refused = TokenIntrospectionResponse.parse(send(anonymous));
        assertThat(refused.indicatesSuccess()).isFalse();
        assertThat(refused.toErrorResponse().getErrorObject().getCode()).isEqualTo(OAuth2Error.INVALID_CLIENT.getCode());
    }
}
