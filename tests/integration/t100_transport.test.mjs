// Transport layer of both listeners: docs/admin-api.md and
// docs/architecture.md's
// per-listener rules, against a real adserverd over real HTTP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, startRedis, request, api, createUser, mintToken } from '../lib/harness.mjs';

let d;
let user;
before(async () => {
  d = await startDaemon();
  user = createUser();
});
after(async () => { await d.stop(); });

const SECURITY = {
  'content-security-policy': "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' https: 'unsafe-inline';upgrade-insecure-requests",
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=15552000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'SAMEORIGIN',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
};
const UUID_RE = /^[a-f0-9-]+$/;

test('GET / answers the contract body with every security header and no rate-limit headers', async () => {
  const r = await request('GET', `${d.adminUrl}/`);
  assert.equal(r.status, 200);
  assert.equal(r.json.message, 'CTV Ad Server API Gateway');
  assert.equal(r.json.version, '0.1.0');
  assert.equal(r.json.environment, 'test');
  assert.match(r.json.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.deepEqual(r.json.endpoints, { health: '/health', auth: '/api/v1/auth', campaigns: '/api/v1/campaigns', creatives: '/api/v1/campaigns/:id/creatives', analytics: '/api/v1/analytics' });
  for (const [k, v] of Object.entries(SECURITY)) assert.equal(r.headers[k], v, k);
  assert.equal(r.headers['x-powered-by'], undefined);
  assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
  assert.equal(r.headers['ratelimit-limit'], undefined);
  assert.match(r.headers['x-request-id'], UUID_RE);
});

test('security headers are on /api 401 responses too', async () => {
  const r = await request('GET', `${d.adminUrl}/api/v1/auth/profile`);
  assert.equal(r.status, 401);
  for (const [k, v] of Object.entries(SECURITY)) assert.equal(r.headers[k], v, k);
  assert.deepEqual(r.json, { error: { message: 'Authorization token required', code: 'MISSING_TOKEN' } });
});

test('CORS: allowed origin echoed, others not; credentials and Vary always', async () => {
  const ok = await request('GET', `${d.adminUrl}/`, { headers: { Origin: 'http://localhost:3001' } });
  assert.equal(ok.headers['access-control-allow-origin'], 'http://localhost:3001');
  assert.equal(ok.headers['access-control-allow-credentials'], 'true');
  assert.match(ok.headers.vary, /Origin/);
  const bad = await request('GET', `${d.adminUrl}/api/v1/auth/profile`, { headers: { Origin: 'http://malicious-site.com' } });
  assert.equal(bad.status, 401);
  assert.equal(bad.headers['access-control-allow-origin'], undefined);
  assert.equal(bad.headers['access-control-allow-credentials'], 'true');
  const none = await request('GET', `${d.adminUrl}/health`);
  assert.equal(none.headers['access-control-allow-origin'], undefined);
  assert.equal(none.headers['access-control-allow-credentials'], 'true');
});

test('CORS preflight: 204, empty, methods, echoed request headers, no request id or rate limit', async () => {
  const r = await request('OPTIONS', `${d.adminUrl}/api/v1/campaigns`, {
    headers: { Origin: 'http://localhost:3001', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'Content-Type,Authorization' },
  });
  assert.equal(r.status, 204);
  assert.equal(r.body.length, 0);
  assert.equal(r.headers['access-control-allow-origin'], 'http://localhost:3001');
  assert.equal(r.headers['access-control-allow-methods'], 'GET,HEAD,PUT,PATCH,POST,DELETE');
  assert.equal(r.headers['access-control-allow-headers'], 'Content-Type,Authorization');
  assert.equal(r.headers['access-control-allow-credentials'], 'true');
  assert.equal(r.headers.vary, 'Origin, Access-Control-Request-Headers');
  assert.equal(r.headers['x-request-id'], undefined);
  assert.equal(r.headers['ratelimit-limit'], undefined);
  assert.equal(r.headers['access-control-max-age'], undefined);
  assert.equal(r.headers['x-frame-options'], 'SAMEORIGIN');
  const other = await request('OPTIONS', `${d.adminUrl}/anything`, { headers: { Origin: 'http://evil.example' } });
  assert.equal(other.status, 204);
  assert.equal(other.headers['access-control-allow-origin'], undefined);
});

test('request ids are fresh UUIDs per request', async () => {
  const a = await request('GET', `${d.adminUrl}/health`);
  const b = await request('GET', `${d.adminUrl}/health`);
  assert.match(a.headers['x-request-id'], /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.notEqual(a.headers['x-request-id'], b.headers['x-request-id']);
});

test('rate-limit headers on every /api answer (401, 404), none elsewhere, remaining drops by one', async () => {
  const a = await request('GET', `${d.adminUrl}/api/v1/auth/profile`);
  const b = await request('GET', `${d.adminUrl}/api/unknown`);
  for (const r of [a, b]) {
    assert.equal(r.headers['ratelimit-limit'], '100000');
    assert.equal(r.headers['ratelimit-policy'], '100000;w=60');
    assert.ok(Number(r.headers['ratelimit-reset']) >= 1 && Number(r.headers['ratelimit-reset']) <= 60);
    assert.equal(r.headers['x-ratelimit-limit'], undefined);
    assert.equal(r.headers['x-ratelimit-remaining'], undefined);
  }
  assert.equal(b.status, 404);
  assert.equal(Number(a.headers['ratelimit-remaining']) - Number(b.headers['ratelimit-remaining']), 1);
  for (const p of ['/', '/health', '/some-other-route']) {
    const r = await request('GET', `${d.adminUrl}${p}`);
    assert.equal(r.headers['ratelimit-limit'], undefined, p);
    assert.equal(r.headers['ratelimit-remaining'], undefined, p);
  }
});

test('concurrent /api requests get distinct RateLimit-Remaining values', async () => {
  const rs = await Promise.all(Array.from({ length: 20 }, () => request('GET', `${d.adminUrl}/api/v1/auth/profile`)));
  const values = new Set(rs.map((r) => r.headers['ratelimit-remaining']));
  assert.equal(values.size, 20);
});

test('over the limit: 429 with Retry-After and the contract body; counted before auth', async () => {
  // Instances share counts through Redis, so this daemon gets a Redis of its own.
  const rds = await startRedis();
  const low = await startDaemon({ REDIS_URL: rds.url, RATE_LIMIT_MAX_REQUESTS: '3', RATE_LIMIT_WINDOW_MS: '60000' });
  try {
    const got = [];
    for (let i = 0; i < 5; i++) got.push(await request('GET', `${low.adminUrl}/api/v1/campaigns`));
    assert.deepEqual(got.map((r) => r.status), [401, 401, 401, 429, 429]);
    assert.deepEqual(got.map((r) => r.headers['ratelimit-remaining']), ['2', '1', '0', '0', '0']);
    const r = got[3];
    assert.deepEqual(r.json, { error: { message: 'Too many requests from this IP, please try again later.', code: 'RATE_LIMIT_EXCEEDED' } });
    assert.equal(r.headers['retry-after'], r.headers['ratelimit-reset']);
    assert.equal(r.headers['ratelimit-limit'], '3');
    const root = await request('GET', `${low.adminUrl}/`);
    assert.equal(root.status, 200, 'non-/api paths are never limited');
  } finally {
    await low.stop();
    await rds.stop();
  }
});

test('routing is case-insensitive, ignores one trailing slash, and answers HEAD like GET', async () => {
  for (const p of ['/HEALTH', '/health/', '/Health']) {
    const r = await request('GET', `${d.adminUrl}${p}`);
    assert.equal(r.status, 200, p);
    assert.equal(r.json.status, 'OK');
  }
  const tok = await request('GET', `${d.adminUrl}/API/V1/AUTH/PROFILE`);
  assert.equal(tok.status, 401);
  const head = await request('HEAD', `${d.adminUrl}/`);
  assert.equal(head.status, 200);
  assert.equal(head.body.length, 0);
  assert.equal(head.headers['content-type'], 'application/json; charset=utf-8');
  assert.ok(Number(head.headers['content-length']) > 100);
});

test('no route: 404 with exactly the five keys, method and original URL', async () => {
  const r = await request('PATCH', `${d.adminUrl}/api/v2/unsupported?x=1&y=%20`);
  assert.equal(r.status, 404);
  assert.deepEqual(Object.keys(r.json.error).sort(), ['code', 'message', 'method', 'path', 'requestId']);
  assert.equal(r.json.error.code, 'ROUTE_NOT_FOUND');
  assert.equal(r.json.error.message, 'Route not found');
  assert.equal(r.json.error.method, 'PATCH');
  assert.equal(r.json.error.path, '/api/v2/unsupported?x=1&y=%20');
  assert.equal(r.json.error.requestId, r.headers['x-request-id']);
  for (const [m, p] of [['GET', '/nothing'], ['POST', '/health'], ['GET', '/api']]) {
    const x = await request(m, `${d.adminUrl}${p}`);
    assert.equal(x.status, 404, `${m} ${p}`);
    assert.equal(x.json.error.code, 'ROUTE_NOT_FOUND');
  }
});

test('unmatched /api/v1 paths authenticate first: 401 without a token, 404 with one', async () => {
  const a = await request('GET', `${d.adminUrl}/api/v1/non-existent`);
  assert.equal(a.status, 401);
  assert.equal(a.json.error.code, 'MISSING_TOKEN');
  const b = await request('POST', `${d.adminUrl}/api/v1/campaigns/123/non-existent`);
  assert.equal(b.status, 401);
  assert.equal(b.json.error.code, 'MISSING_TOKEN');
  const c = await api('GET', `${d.adminUrl}/api/v1/non-existent`, { token: user.token });
  assert.equal(c.status, 404);
  assert.equal(c.json.error.code, 'ROUTE_NOT_FOUND');
  assert.equal(Object.keys(c.json.error).length, 5);
});

test('Bearer parsing follows the contract (MISSING_TOKEN vs INVALID_TOKEN)', async () => {
  const url = `${d.adminUrl}/api/v1/non-existent`;
  for (const h of ['Bearer', 'Bearer ', 'bearer x', 'InvalidFormat token123', 'Basic dXNlcjpwYXNz']) {
    const r = await request('GET', url, { headers: { Authorization: h } });
    assert.equal(r.status, 401, h);
    assert.deepEqual(r.json, { error: { message: 'Authorization token required', code: 'MISSING_TOKEN' } }, h);
  }
  for (const h of ['Bearer token1 token2', 'Bearer not.a.jwt', `Bearer ${user.token}x`]) {
    const r = await request('GET', url, { headers: { Authorization: h } });
    assert.equal(r.status, 401, h);
    assert.deepEqual(r.json, { error: { message: 'Invalid or expired token', code: 'INVALID_TOKEN' } }, h);
    assert.equal(r.json.error.stack, undefined);
  }
  const now = Math.floor(Date.now() / 1000);
  const hs512 = mintToken({ id: user.id, email: user.email, role: 'advertiser', iat: now, exp: now + 3600 }, { alg: 'HS512' });
  const expired = mintToken({ id: user.id, email: user.email, role: 'advertiser', iat: now - 7200, exp: now - 3600 });
  const noExp = mintToken({ id: user.id, email: user.email, role: 'advertiser', iat: now });
  const ghost = mintToken({ id: 'test-user-id', email: 'x@example.com', role: 'advertiser', iat: now, exp: now + 3600 });
  for (const t of [hs512, expired, noExp, ghost]) {
    const r = await api('GET', url, { token: t });
    assert.equal(r.status, 401);
    assert.equal(r.json.error.code, 'INVALID_TOKEN');
  }
});

test('malformed JSON: 400 format F without request id or rate-limit headers', async () => {
  const r = await request('POST', `${d.adminUrl}/api/v1/auth/login`, { headers: { 'Content-Type': 'application/json' }, body: '{"malformed": json}' });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.code, 'INTERNAL_SERVER_ERROR');
  assert.equal(typeof r.json.error.message, 'string');
  assert.equal(r.json.error.requestId, undefined);
  assert.equal(r.headers['x-request-id'], undefined);
  assert.equal(r.headers['ratelimit-limit'], undefined);
  assert.equal(r.headers['x-frame-options'], 'SAMEORIGIN');
  for (const body of ['"a string"', '42', 'true', 'null']) {
    const x = await request('POST', `${d.adminUrl}/api/v1/auth/login`, { headers: { 'Content-Type': 'application/json' }, body });
    assert.equal(x.status, 400, `strict JSON rejects ${body}`);
  }
});

test('bodies over 10 MB: 413; unsupported charset and encoding: 415', async () => {
  const big = `{"a":"${'x'.repeat(10 * 1024 * 1024)}"}`;
  const r = await request('POST', `${d.adminUrl}/api/v1/auth/login`, { headers: { 'Content-Type': 'application/json' }, body: big });
  assert.equal(r.status, 413);
  assert.equal(r.json.error.code, 'INTERNAL_SERVER_ERROR');
  assert.equal(r.headers['x-request-id'], undefined);
  const cs = await request('POST', `${d.adminUrl}/api/v1/auth/login`, { headers: { 'Content-Type': 'application/json; charset=latin1' }, body: '{}' });
  assert.equal(cs.status, 415);
  const enc = await request('POST', `${d.adminUrl}/api/v1/auth/login`, { headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'br' }, body: '{}' });
  assert.equal(enc.status, 415);
  const ok = await request('GET', `${d.adminUrl}/health`);
  assert.equal(ok.status, 200, 'the daemon is still serving');
});

test('/health: 200 with both checks OK', async () => {
  const r = await request('GET', `${d.adminUrl}/health`);
  assert.equal(r.status, 200);
  assert.equal(r.json.status, 'OK');
  assert.equal(r.json.service, 'api-gateway');
  assert.equal(r.json.version, '0.1.0');
  assert.equal(r.json.environment, 'test');
  assert.equal(r.json.checks.redis.status, 'OK');
  assert.equal(typeof r.json.checks.redis.latency, 'number');
  assert.equal(r.json.checks.database.status, 'OK');
  assert.equal(typeof r.json.checks.database.latency, 'number');
});

test('GET /metrics: Prometheus text with request series, histogram and pool gauges', async () => {
  await request('GET', `${d.adminUrl}/health`);
  const r = await request('GET', `${d.adminUrl}/metrics`);
  assert.equal(r.status, 200);
  assert.match(r.headers['content-type'], /^text\/plain; version=0\.0\.4/);
  assert.match(r.text, /adserverd_http_requests_total\{listener="admin",route="\/health",status="200"\} \d+/);
  assert.match(r.text, /adserverd_http_request_duration_seconds_bucket\{listener="admin",le="\+Inf"\} \d+/);
  assert.match(r.text, /adserverd_db_pool_connections\{state="size"\} \d+/);
  assert.match(r.text, /adserverd_redis_connects_total \d+/);
});

test('ad listener: open CORS, nosniff, no CORP, no rate limit, JSON 404, HEAD and OPTIONS', async () => {
  const r = await request('GET', `${d.adUrl}/vast`, { headers: { Origin: 'https://player.example.tv' } });
  assert.equal(r.status, 200);
  assert.equal(r.headers['access-control-allow-origin'], 'https://player.example.tv');
  assert.equal(r.headers['access-control-allow-credentials'], 'true');
  assert.equal(r.headers['x-content-type-options'], 'nosniff');
  assert.equal(r.headers['cross-origin-resource-policy'], undefined);
  assert.equal(r.headers['ratelimit-limit'], undefined);
  assert.match(r.headers['content-type'], /xml/);
  const nf = await request('GET', `${d.adUrl}/api/v1/whatever`);
  assert.equal(nf.status, 404);
  assert.equal(nf.json.error.code, 'ROUTE_NOT_FOUND');
  const head = await request('HEAD', `${d.adUrl}/vast`);
  assert.equal(head.status, 200);
  assert.equal(head.body.length, 0);
  const pre = await request('OPTIONS', `${d.adUrl}/vast`, { headers: { Origin: 'https://x.example', 'Access-Control-Request-Headers': 'x-custom' } });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers['access-control-allow-origin'], 'https://x.example');
  assert.equal(pre.headers['access-control-allow-headers'], 'x-custom');
});
