// A real OpenID Provider for Horizon's tests: the certified `oidc-provider` (npm, v9) on Node 20.
//
//   node server.mjs            (env: OP_PORT, OP_CLIENT_ID, OP_CLIENT_SECRET, OP_REDIRECT_URI,
//                               OP_BACKCHANNEL_URI, OP_POST_LOGOUT_URI)
//
// Prints "READY <issuer>" on stdout once it listens. Issuer = http://127.0.0.1:<port>.
// Test-only control endpoints (JSON), never part of the OIDC surface:
//   POST /_test/users          {sub, email, email_verified, name, groups, department, ...} -> upsert
//   POST /_test/rotate         {}            -> new signing key (old key kept published unless {drop_old:true})
//   POST /_test/backchannel    {sub, sid?}   -> the OP sends a back-channel logout to the client
//   POST /_test/logout_token   {sub, sid?} -> a logout token returned (not sent), for replay tests
//   POST /_test/mint           {claims, client_id?, expires_at?, extra?} -> an ID token signed with the current key
//   POST /_test/client         {redirect_uri, backchannel_logout_uri} -> re-point the client (live server port)
//   GET  /_test/state                        -> {kids: [...], users: [...]}
// Interactions: GET /interaction/:uid shows a login form (field `login`, button "Sign in");
// consent is granted automatically for every requested scope/claim.
import http from 'node:http';
import { generateKeyPair, exportJWK } from 'jose';
import Provider from 'oidc-provider';

const port = Number(process.env.OP_PORT || 0);
const clientId = process.env.OP_CLIENT_ID || 'horizon';
const clientSecret = process.env.OP_CLIENT_SECRET || 'horizon-secret';
let redirectUri = process.env.OP_REDIRECT_URI;
let backchannelUri = process.env.OP_BACKCHANNEL_URI;
const postLogoutUri = process.env.OP_POST_LOGOUT_URI;

const users = new Map(); // sub -> claims
let keys = []; // newest first

async function newKey() {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  jwk.kid = `k${Date.now()}${Math.floor(Math.random() * 1000)}`;
  jwk.alg = 'RS256';
  jwk.use = 'sig';
  return jwk;
}

let issuer;
let provider;

function build() {
  const client = {
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    post_logout_redirect_uris: postLogoutUri ? [postLogoutUri] : [],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  };
  if (backchannelUri) {
    client.backchannel_logout_uri = backchannelUri;
    client.backchannel_logout_session_required = true;
  }
  const p = new Provider(issuer, {
    // a second registered app, so a test can obtain a genuine token whose audience is not Horizon
    clients: [client, { client_id: 'other-app', client_secret: 'other-secret', redirect_uris: [redirectUri],
      grant_types: ['authorization_code'], response_types: ['code'] }],
    jwks: { keys }, // first key signs; the others stay published in jwks_uri
    cookies: { keys: ['horizon-test-cookie-key'] },
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name', 'zoneinfo'],
      groups: ['groups'],
      org: ['department', 'job_title', 'location'],
    },
    scopes: ['openid', 'offline_access', 'email', 'profile', 'groups', 'org'],
    conformIdTokenClaims: false, // put requested claims in the ID token itself
    ttl: { IdToken: 300, AccessToken: 300, AuthorizationCode: 60, Session: 3600, Interaction: 600, Grant: 3600 },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(ctx, sub) {
      if (!users.has(sub)) return undefined;
      return { accountId: sub, async claims() { return { sub, ...users.get(sub) }; } };
    },
    // oidc-provider >= 9.x refuses outgoing requests to special-use IPs (SSRF guard, 127.0.0.0/8 included):
    // the back-channel logout to the app on 127.0.0.1 needs the guard's dispatcher dropped. Tests only.
    fetch: (url, options) => {
      const { dispatcher, ...rest } = options;
      return globalThis.fetch(url, rest);
    },
    renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = `<!doctype html><title>OP error</title><h1>${out.error}</h1><p>${out.error_description || ''}</p>`;
    },
  });
  p.proxy = false;
  return p;
}

async function readJson(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const raw = Buffer.concat(chunks).toString();
  if (!raw) return {};
  if ((req.headers['content-type'] || '').includes('json')) return JSON.parse(raw);
  return Object.fromEntries(new URLSearchParams(raw));
}

function send(res, status, body, type = 'application/json') {
  res.writeHead(status, { 'content-type': type });
  res.end(type === 'application/json' ? JSON.stringify(body) : body);
}

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params, session } = details;
  if (prompt.name === 'login' && action !== 'login') {
    return send(res, 200, `<!doctype html><html><head><title>Test OP sign-in</title></head><body>
<h1>Test identity provider</h1><p>Client: ${esc(params.client_id)}</p>
<form method="post" action="/interaction/${uid}/login">
<label>Login (sub) <input name="login" autofocus></label>
<button type="submit">Sign in</button></form></body></html>`, 'text/html');
  }
  if (prompt.name === 'login') {
    const form = await readJson(req);
    if (!users.has(form.login)) return send(res, 200, '<p>Unknown test user</p>', 'text/html');
    return provider.interactionFinished(req, res, { login: { accountId: form.login } }, { mergeWithLastSubmission: false });
  }
  // consent: grant everything requested
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  const missing = prompt.details;
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  if (missing.missingResourceScopes) {
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes)) grant.addResourceScope(indicator, scopes.join(' '));
  }
  const grantId = await grant.save();
  return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

async function control(req, res, path) {
  const body = req.method === 'POST' ? await readJson(req) : {};
  if (path === '/_test/users') {
    const { sub, ...claims } = body;
    users.set(sub, claims);
    return send(res, 200, { ok: true, sub });
  }
  if (path === '/_test/rotate') {
    const key = await newKey();
    keys = body.drop_old ? [key] : [key, ...keys];
    provider = build(); // the memory adapter is module-wide: sessions, grants and codes survive
    return send(res, 200, { kids: keys.map((k) => k.kid) });
  }
  if (path === '/_test/backchannel') {
    const client = await provider.Client.find(clientId);
    try {
      await client.backchannelLogout(body.sub, body.sid);
      return send(res, 200, { ok: true });
    } catch (e) {
      return send(res, 502, { ok: false, error: String(e.message) });
    }
  }
  if (path === '/_test/logout_token') {
    // a genuine back-channel logout token (as client.backchannelLogout builds it), returned, not sent
    const client = await provider.Client.find(clientId);
    const token = new provider.IdToken({ sub: body.sub }, { client, ctx: undefined });
    token.mask = { sub: null };
    token.set('events', { 'http://schemas.openid.net/event/backchannel-logout': {} });
    token.set('jti', `jti-${Date.now()}-${Math.random()}`);
    if (body.sid) token.set('sid', body.sid);
    return send(res, 200, { logout_token: await token.issue({ use: 'logout' }) });
  }
  if (path === '/_test/mint') {
    const client = await provider.Client.find(body.client_id || clientId);
    const token = new provider.IdToken({ ...body.claims }, { client, ctx: undefined });
    token.mask = Object.fromEntries(Object.keys(body.claims).map((k) => [k, null]));
    if (body.claims.nonce) token.set('nonce', body.claims.nonce);
    if (body.extra) for (const [k, v] of Object.entries(body.extra)) token.set(k, v);
    let jwt = await token.issue({ use: 'idtoken', expiresAt: body.expires_at });
    return send(res, 200, { id_token: jwt });
  }
  if (path === '/_test/client') {
    // point the registered client at a (new) live server: {redirect_uri, backchannel_logout_uri}
    redirectUri = body.redirect_uri || redirectUri;
    backchannelUri = body.backchannel_logout_uri || backchannelUri;
    provider = build();
    return send(res, 200, { ok: true });
  }
  if (path === '/_test/state') {
    return send(res, 200, { kids: keys.map((k) => k.kid), users: [...users.keys()] });
  }
  return send(res, 404, { error: 'not found' });
}

keys = [await newKey()];
const server = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url, issuer);
    if (url.pathname.startsWith('/_test/')) return await control(req, res, url.pathname);
    const m = url.pathname.match(/^\/interaction\/([^/]+)(?:\/(login))?$/);
    if (m) return await interaction(req, res, m[1], m[2]);
    return provider.callback()(req, res);
  } catch (e) {
    console.error(e);
    if (!res.headersSent) send(res, 500, { error: String(e.message) });
  }
});
server.listen(port, '127.0.0.1', () => {
  issuer = `http://127.0.0.1:${server.address().port}`;
  provider = build();
  console.log(`READY ${issuer}`);
});
