// Drives identity-server's OAuth bridge with oauth4webapi and jose, unmodified, as any Node
// client would: discovery, client_credentials with every authentication method (tls_client_auth
// included, its token certificate-bound), token exchange with an actor, introspection, revocation (run by OAuthLibrariesInteropTest; the server's bundle comes in through
// NODE_EXTRA_CA_CERTS, so TLS is verified by host name and bundle). Prints one line per step and
// exits non-zero on the first failure.
import * as oauth from 'oauth4webapi'
import * as jose from 'jose'
import { X509Certificate, createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import https from 'node:https'

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
const verify = async (token, { bound } = { bound: false }) => {
  const { payload, protectedHeader } = await jose.jwtVerify(token, jwks, { issuer: as.issuer, typ: 'at+jwt', audience })
  if (protectedHeader.alg !== 'ES256') throw new Error(`alg ${protectedHeader.alg}`)
  for (const claim of ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti']) {
    if (payload[claim] === undefined) throw new Error(`claim ${claim} missing`)
  }
  // As a resource server would, with the library's RFC 9068 checks. oauth4webapi's resource-server
  // check knows only DPoP's cnf (jkt) and refuses any other confirmation method, so a
  // certificate-bound token is checked by its caller against the certificate instead.
  if (bound) return payload
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

// RFC 8705: tls_client_auth over the metadata's mtls_endpoint_aliases, the client certificate
// (an X.509-SVID) given to Node's TLS through oauth4webapi's customFetch hook, the documented way
// to do mutual TLS with it; the token must be bound to that certificate (cnf.x5t#S256).
const cert = readFileSync(env('MTLS_CERT'))
const mtlsFetch = (url, init) => new Promise((resolve, reject) => {
  const req = https.request(url, { method: init.method, headers: init.headers, cert, key: readFileSync(env('MTLS_KEY')) }, (res) => {
    const chunks = []
    res.on('data', (c) => chunks.push(c))
    res.on('end', () => {
      const headers = new Headers()
      for (const [name, value] of Object.entries(res.headers)) {
        for (const v of [value].flat()) if (v !== undefined) headers.append(name, v)
      }
      resolve(new Response(Buffer.concat(chunks), { status: res.statusCode, headers }))
    })
  })
  req.on('error', reject)
  req.end(init.body === undefined ? undefined : String(init.body))
})
const mtls = { client_id: env('MTLS_ID'), use_mtls_endpoint_aliases: true }
const mtlsOptions = { [oauth.customFetch]: mtlsFetch }
const boundResponse = await oauth.clientCredentialsGrantRequest(as, mtls, oauth.TlsClientAuth(), new URLSearchParams({ audience }),
  mtlsOptions)
const bound = await oauth.processClientCredentialsResponse(as, mtls, boundResponse)
const thumbprint = createHash('sha256').update(new X509Certificate(cert).raw).digest('base64url')
const boundClaims = await verify(bound.access_token, { bound: true })
if (boundClaims.cnf?.['x5t#S256'] !== thumbprint) throw new Error(`cnf ${JSON.stringify(boundClaims.cnf)}, expected x5t#S256 ${thumbprint}`)
const boundSeen = await oauth.processIntrospectionResponse(as, basic, await oauth.introspectionRequest(as, basic, basicAuth,
  bound.access_token))
if (boundSeen.active !== true || boundSeen.cnf?.['x5t#S256'] !== thumbprint) throw new Error(`introspection: ${JSON.stringify(boundSeen)}`)
step('client_credentials tls_client_auth, certificate-bound')

// The same client without its certificate: 401 invalid_client. HTTP requires a WWW-Authenticate
// challenge on every 401, and oauth4webapi reports a challenge before the body, as
// WWWAuthenticateChallengeError; the RFC 6749 section 5.2 body is on its response.
let refused
try {
  await oauth.processClientCredentialsResponse(as, mtls, await oauth.clientCredentialsGrantRequest(as, mtls, oauth.TlsClientAuth(),
    new URLSearchParams({ audience })))
} catch (e) {
  refused = e
}
if (!(refused instanceof oauth.WWWAuthenticateChallengeError) || refused.status !== 401
    || refused.cause[0]?.scheme !== 'basic') throw refused ?? new Error('a tls_client_auth request without a certificate was accepted')
const refusal = await refused.response.json()
if (refusal.error !== 'invalid_client' || !refusal.error_description) throw new Error(`error body ${JSON.stringify(refusal)}`)
step('tls_client_auth without a certificate is invalid_client')
