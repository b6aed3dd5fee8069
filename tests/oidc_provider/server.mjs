// A real OpenID Provider (npm's oidc-provider) on loopback for the OIDC tests, started by tests/oidc_process.py.
// It reads one JSON file named by argv[2]:
//   {"port": 0-65535, "keys": [private JWK, ...],
//    "clients": [{"client_id", "client_secret", "groups": [...], "email": "...", "ttl_s": n}],
//    "users": [{"sub", "email", "name", "groups": [...]}],
//    "web_clients": [{"client_id", "client_secret" (optional: none is a public client), "redirect_uris": [...],
//                     "post_logout_redirect_uris": [...]}],
//    "id_token_ttl_s": n}
// Access tokens for `clients` come from the client_credentials grant: no browser, yet real tokens signed by the
// provider's keys. Resource indicators make them JWTs with an `aud` (the `resource` asked for); each client's `groups`
// go into `cognito:groups`, as Cognito puts a user's groups, and its `email` (if any) into `email`.
// `web_clients` sign `users` in as a browser does -- the authorization code flow, PKCE required of every client (a
// token request without the right code_verifier is refused) -- through the provider's development interactions:
// a login form (any password; the login is a user's sub) and a consent form, both plain HTML forms a test posts
// with httpx. A user's `groups` go into the ID token (and a JWT access token) as `cognito:groups`; the ID token
// carries the scopes' claims itself (conformIdTokenClaims off, as Cognito's and Entra's do). Their redirect URIs are
// loopback ones of a native client, so any port matches (RFC 8252 7.3): a test service on a port picked at random
// needs no registration of its own. RP-initiated logout (end_session_endpoint) is on.
// The provider signs with the first key of the set: a rotation is a restart with a new key first and the old one
// after it, as an IdP publishes both while old tokens live on.
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const byClient = new Map(config.clients.map((client) => [client.client_id, client]));
const users = new Map((config.users ?? []).map((user) => [user.sub, user]));
const DEFAULT_AUDIENCE = 'https://sre-agent.test';

const userClaims = (user) => ({
  ...(user?.groups ? { 'cognito:groups': user.groups } : {}),
  ...(user?.email ? { email: user.email, email_verified: true } : {}),
  ...(user?.name ? { name: user.name } : {}),
});

const provider = new Provider(`http://127.0.0.1:${config.port}`, {
  clients: [
    ...config.clients.map(({ client_id, client_secret }) => ({
      client_id, client_secret, grant_types: ['client_credentials'], response_types: [], redirect_uris: [],
    })),
    ...(config.web_clients ?? []).map(({ client_id, client_secret, redirect_uris, post_logout_redirect_uris }) => ({
      client_id,
      ...(client_secret ? { client_secret, token_endpoint_auth_method: 'client_secret_basic' }
        : { token_endpoint_auth_method: 'none' }),
      application_type: 'native', // loopback redirect URIs on any port
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris,
      post_logout_redirect_uris: post_logout_redirect_uris ?? [],
    })),
  ],
  // key_ops as PyJWT writes them (["sign"]) would keep the provider from verifying its own ID tokens (an
  // id_token_hint at logout): dropped.
  jwks: { keys: config.keys.map(({ key_ops: _ops, ...key }) => key) },
  cookies: { keys: ['test-only-cookie-key'] },
  pkce: { required: () => true },
  conformIdTokenClaims: false,
  claims: { openid: ['sub', 'cognito:groups'], email: ['email', 'email_verified'], profile: ['name'] },
  findAccount: (_ctx, sub) => ({
    accountId: sub,
    claims: () => ({ sub, ...userClaims(users.get(sub)) }),
  }),
  ttl: {
    IdToken: config.id_token_ttl_s ?? 3600,
    AuthorizationCode: 60,
    Interaction: 600,
    Session: 3600,
    Grant: 3600,
  },
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => DEFAULT_AUDIENCE,
      useGrantedResource: () => true,
      // Any resource a test asks for is a resource server: that is how a token for another audience is had.
      getResourceServerInfo: (_ctx, resource, client) => ({
        scope: 'sre',
        audience: resource,
        accessTokenFormat: 'jwt',
        accessTokenTTL: byClient.get(client.clientId)?.ttl_s ?? 600,
        jwt: { sign: { alg: config.keys[0].alg ?? 'RS256' } },
      }),
    },
  },
  extraTokenClaims: (_ctx, token) => {
    const client = byClient.get(token.clientId);
    const claims = token.accountId ? userClaims(users.get(token.accountId)) : {
      ...(client?.groups ? { 'cognito:groups': client.groups } : {}),
      ...(client?.email ? { email: client.email } : {}),
    };
    return Object.keys(claims).length ? claims : undefined;
  },
});

// A plain-http issuer on loopback: the tests run where no certificate is to be had.
const server = provider.listen(config.port, '127.0.0.1');
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
