// A real OpenID Provider (the certified `oidc-provider`) for Fleetdeck's OIDC tests.
//
//   node op.mjs '{"port":0,"ttl":60,"clients":[…],"users":{"alice":{"groups":["sre"]}}}'
//
// Prints one JSON line {"issuer": "http://127.0.0.1:PORT"} once it listens. Users sign in at its
// login page (a form), or at once when the authorization request carries `login_hint=<user>`;
// consent is implied. Test controls, under /admin (POST unless said):
//   /admin/rotate          new signing key (the old one leaves the JWKS)
//   /admin/tamper?on=1     alter the ID token of token responses (its signature no longer fits)
//   /admin/fail-refresh?on=1  refuse refresh grants (invalid_grant)
//   /admin/groups?user=U   body: JSON array, the user's groups from now on
//   GET /admin/stats       {"refreshes": n}
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import http from 'node:http';
import Provider from 'oidc-provider';

const config = JSON.parse(process.argv[2] ?? '{}');
const users = config.users ?? {};
const controls = { tamper: false, failRefresh: false, refreshes: 0 };

function signingKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), use: 'sig', alg: 'RS256' };
}

function account(id) {
  const user = users[id];
  if (!user) return undefined;
  return {
    accountId: id,
    claims: async () => ({
      sub: id,
      email: user.email ?? `${id}@example.com`,
      email_verified: true,
      name: user.name ?? id,
      preferred_username: id,
      groups: user.groups ?? [],
    }),
  };
}

function makeProvider(issuer) {
  const provider = new Provider(issuer, {
    clients: config.clients,
    jwks: { keys: [signingKey()] },
    findAccount: async (_ctx, id) => account(id),
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username'],
      groups: ['groups'],
    },
    scopes: ['openid', 'offline_access', 'email', 'profile', 'groups'],
    // The claims of the requested scopes go into the ID token (Fleetdeck reads them there).
    conformIdTokenClaims: false,
    // Like Dex and Keycloak: offline_access yields a refresh token without prompt=consent.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    // Consent is implied: a first-party client.
    loadExistingGrant: async (ctx) => {
      const existing = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (existing) return ctx.oidc.provider.Grant.find(existing);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope(ctx.oidc.params.scope);
      await grant.save();
      return grant;
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
    cookies: { keys: ['fleetdeck-test-op-cookie-key'] },
    ttl: {
      IdToken: config.ttl ?? 3600,
      AccessToken: config.ttl ?? 3600,
      RefreshToken: 86400,
      Interaction: 600,
      Session: 86400,
      Grant: 86400,
    },
    pkce: { required: () => true },
  });
  provider.on('grant.success', (ctx) => {
    if (ctx.oidc.params.grant_type === 'refresh_token') controls.refreshes += 1;
  });
  provider.use(async (ctx, next) => {
    const refreshing = ctx.path === '/token' && controls.failRefresh;
    await next();
    if (refreshing && ctx.oidc?.params?.grant_type === 'refresh_token') {
      ctx.status = 400;
      ctx.body = { error: 'invalid_grant', error_description: 'refresh refused by the test' };
    } else if (ctx.path === '/token' && controls.tamper && ctx.body?.id_token) {
      const [head, payload, signature] = ctx.body.id_token.split('.');
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
      claims.groups = ['admins'];
      ctx.body = { ...ctx.body, id_token: [head, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.') };
    }
  });
  return provider;
}

function readBody(req) {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => resolve(body));
  });
}

function loginPage(uid, error) {
  return `<!doctype html><title>Test OP: sign in</title>
<h1>Sign in to the test provider</h1>${error ? `<p role="alert">${error}</p>` : ''}
<form method="post" action="/interaction/${uid}/login">
<label>Username <input name="username" autofocus></label>
<button type="submit">Sign in</button></form>`;
}

let provider;
let handler;

async function interaction(req, res, url) {
  const [, , uid, step] = url.pathname.split('/');
  const details = await provider.interactionDetails(req, res);
  let user = details.params.login_hint;
  if (req.method === 'POST' && step === 'login') {
    user = new URLSearchParams(await readBody(req)).get('username');
  }
  if (user && account(user)) {
    await provider.interactionFinished(req, res, { login: { accountId: user } }, { mergeWithLastSubmission: false });
    return;
  }
  res.writeHead(200, { 'content-type': 'text/html' });
  res.end(loginPage(uid, user ? `no user ${user}` : ''));
}

async function admin(req, res, url) {
  const on = url.searchParams.get('on') === '1';
  switch (url.pathname) {
    case '/admin/rotate':
      provider = makeProvider(provider.issuer);
      handler = provider.callback();
      break;
    case '/admin/tamper':
      controls.tamper = on;
      break;
    case '/admin/fail-refresh':
      controls.failRefresh = on;
      break;
    case '/admin/groups':
      users[url.searchParams.get('user')].groups = JSON.parse(await readBody(req));
      break;
    case '/admin/stats':
      break;
    default:
      res.writeHead(404).end();
      return;
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ refreshes: controls.refreshes }));
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  const route = url.pathname.startsWith('/interaction/') ? interaction : url.pathname.startsWith('/admin/') ? admin : null;
  if (!route) return handler(req, res);
  route(req, res, url).catch((e) => {
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end(String(e));
  });
});

server.listen(config.port ?? 0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  provider = makeProvider(issuer);
  handler = provider.callback();
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});
