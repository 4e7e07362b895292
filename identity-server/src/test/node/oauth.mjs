// Drives identity-server's OAuth bridge with oauth4webapi and jose, unmodified, as any Node
// client would (run by OAuthLibrariesInteropTest; the server's bundle comes in through
// NODE_EXTRA_CA_CERTS, so TLS is verified by host name and bundle). Prints one line per step and
// exits non-zero on the first failure.
import * as oauth from 'oauth4webapi'
import * as jose from 'jose'

const env = (name) => {
  const v = process.env[name]
  if (!v) throw new Error(`${name} is not set`)
  return v
}
const issuer = new URL(env('ISSUER'))
const audience = env('AUDIENCE')
const step = (name) => console.log(`ok ${name}`)

const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2' }))
if (!as.grant_types_supported.includes('client_credentials')) throw new Error('no client_credentials in metadata')
step('discovery')

const jwks = jose.createRemoteJWKSet(new URL(as.jwks_uri))
const verify = async (token) => {
  const { payload, protectedHeader } = await jose.jwtVerify(token, jwks, { issuer: as.issuer, typ: 'at+jwt', audience })
  if (protectedHeader.alg !== 'ES256') throw new Error(`alg ${protectedHeader.alg}`)
  for (const claim of ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti']) {
    if (payload[claim] === undefined) throw new Error(`claim ${claim} missing`)
  }
  // As a resource server would, with the library's RFC 9068 checks.
  await oauth.validateJwtAccessToken(as, new Request('https://resource.example/', {
    headers: { authorization: `Bearer ${token}` }
  }), audience)
  return payload
}

const grant = async (clientId, auth) => {
  const client = { client_id: clientId }
  const response = await oauth.clientCredentialsGrantRequest(as, client, auth, new URLSearchParams({ audience }))
  return oauth.processClientCredentialsResponse(as, client, response)
}

const basic = { client_id: env('BASIC_ID') }
const basicAuth = oauth.ClientSecretBasic(env('BASIC_SECRET'))
const ciToken = (await grant(basic.client_id, basicAuth)).access_token
await verify(ciToken)
step('client_credentials client_secret_basic')

await verify((await grant(env('POST_ID'), oauth.ClientSecretPost(env('POST_SECRET')))).access_token)
step('client_credentials client_secret_post')

const jwk = JSON.parse(env('PKJ_JWK'))
const key = await jose.importJWK(jwk, 'ES256')
await verify((await grant(env('PKJ_ID'), oauth.PrivateKeyJwt({ key, kid: jwk.kid }))).access_token)
step('client_credentials private_key_jwt')

const upstream = await grant(env('UPSTREAM_ID'), oauth.ClientSecretBasic(env('UPSTREAM_SECRET')))
  .catch(async () => {
    // The upstream client's tokens are for identity-server itself: ask without an audience.
    const client = { client_id: env('UPSTREAM_ID') }
    const response = await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretBasic(env('UPSTREAM_SECRET')),
      new URLSearchParams())
    return oauth.processClientCredentialsResponse(as, client, response)
  })
const AT = 'urn:ietf:params:oauth:token-type:access_token'
const exchanged = await oauth.processGenericTokenEndpointResponse(as, basic, await oauth.genericTokenEndpointRequest(as, basic, basicAuth,
  'urn:ietf:params:oauth:grant-type:token-exchange', new URLSearchParams({
    subject_token: upstream.access_token, subject_token_type: AT, actor_token: ciToken, actor_token_type: AT, audience
  })))
if (exchanged.issued_token_type !== AT) throw new Error(`issued_token_type ${exchanged.issued_token_type}`)
const delegated = await verify(exchanged.access_token)
if (!delegated.act || !delegated.act.sub) throw new Error('no act in the exchanged token')
step('token exchange with an actor')

const seen = await oauth.processIntrospectionResponse(as, basic, await oauth.introspectionRequest(as, basic, basicAuth, ciToken))
if (seen.active !== true || seen.client_id !== basic.client_id) throw new Error(`introspection: ${JSON.stringify(seen)}`)
step('introspection')

await oauth.processRevocationResponse(await oauth.revocationRequest(as, basic, basicAuth, ciToken))
const after = await oauth.processIntrospectionResponse(as, basic, await oauth.introspectionRequest(as, basic, basicAuth, ciToken))
if (after.active !== false) throw new Error('revoked token still active')
step('revocation')
