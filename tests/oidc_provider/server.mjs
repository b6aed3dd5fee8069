// A real OpenID Provider (npm's oidc-provider) on loopback for the OIDC verifier's tests, started by
// tests/oidc_process.py. It reads one JSON file named by argv[2]:
//   {"port": 0-65535, "keys": [private JWK, ...],
//    "clients": [{"client_id", "client_secret", "groups": [...], "email": "...", "ttl_s": n}]}
// Access tokens come from the client_credentials grant: no browser, yet real tokens signed by the provider's keys.
// Resource indicators make them JWTs with an `aud` (the `resource` asked for); each client's `groups` go into
// `cognito:groups`, as Cognito puts a user's groups, and its `email` (if any) into `email`. The provider signs with
// the first key of the set: a rotation is a restart with a new key first and the old one after it, as an IdP
// publishes both while old tokens live on.
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const byClient = new Map(config.clients.map((client) => [client.client_id, client]));
const DEFAULT_AUDIENCE = 'https://sre-agent.test';

const provider = new Provider(`http://127.0.0.1:${config.port}`, {
  clients: config.clients.map(({ client_id, client_secret }) => ({
    client_id, client_secret, grant_types: ['client_credentials'], response_types: [], redirect_uris: [],
  })),
  jwks: { keys: config.keys },
  cookies: { keys: ['test-only-cookie-key'] },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
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
    const claims = {
      ...(client?.groups ? { 'cognito:groups': client.groups } : {}),
      ...(client?.email ? { email: client.email } : {}),
    };
    return Object.keys(claims).length ? claims : undefined;
  },
});

// A plain-http issuer on loopback: the verifier's tests run where no certificate is to be had.
const server = provider.listen(config.port, '127.0.0.1');
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
