// Auth endpoints (docs/admin-api.md) over real HTTP against real
// PostgreSQL and Redis: register, login, profile, logout, refresh, format B
// validation, revocation in Redis, externally minted tokens.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startDaemon, api, request, sql, redis, createUser, mintToken, sleep } from '../lib/harness.mjs';

let d;
before(async () => { d = await startDaemon({ REFRESH_TOKEN_EXPIRES_IN: '7d' }); });
after(async () => { await d.stop(); });

const email = () => `user-${randomUUID()}@example.com`;
const register = (body) => api('POST', `${d.adminUrl}/api/v1/auth/register`, { body });
const login = (body) => api('POST', `${d.adminUrl}/api/v1/auth/login`, { body });

test('register: 201 with the user and two tokens, stored as sent, no password anywhere', async () => {
  const e = email();
  const r = await register({ email: e, password: 'password123', name: 'Test User', extra: 'dropped' });
  assert.equal(r.status, 201);
  assert.equal(r.json.message, 'User created successfully');
  assert.deepEqual(Object.keys(r.json.user), ['id', 'email', 'name', 'role', 'createdAt']);
  assert.equal(r.json.user.email, e);
  assert.equal(r.json.user.role, 'advertiser');
  assert.match(r.json.user.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal(typeof r.json.tokens.accessToken, 'string');
  assert.equal(typeof r.json.tokens.refreshToken, 'string');
  assert.ok(!/password/i.test(r.text));
  const [[status, hash, name]] = sql(`SELECT status, password_hash, name FROM users WHERE email = :'e'`, { e });
  assert.equal(status, 'active');
  assert.match(hash, /^\$2b\$04\$/);
  assert.equal(name, 'Test User');
  const p = await api('GET', `${d.adminUrl}/api/v1/auth/profile`, { token: r.json.tokens.accessToken });
  assert.equal(p.status, 200);
  assert.equal(p.json.user.id, r.json.user.id);
});

test('register: admin role accepted; duplicate e-mail 409 USER_EXISTS', async () => {
  const e = email();
  const a = await register({ email: e, password: 'password123', name: 'Admin', role: 'admin' });
  assert.equal(a.status, 201);
  assert.equal(a.json.user.role, 'admin');
  const b = await register({ email: e, password: 'password123', name: 'Again' });
  assert.equal(b.status, 409);
  assert.deepEqual(b.json, { error: { message: 'A user with this email already exists', code: 'USER_EXISTS' } });
});

test('register validation: format B lists every failing rule in field order', async () => {
  const r = await register({});
  assert.equal(r.status, 400);
  assert.deepEqual(Object.keys(r.json.error), ['message', 'code', 'details']);
  assert.equal(r.json.error.message, 'Validation failed');
  assert.equal(r.json.error.code, 'VALIDATION_ERROR');
  assert.deepEqual(r.json.error.details, [
    { field: 'email', message: 'Email is required' },
    { field: 'password', message: 'Password is required' },
    { field: 'name', message: 'Name is required' },
  ]);
  const cases = [
    [{ email: 'a@b', password: 'password123', name: 'Ab' }, [{ field: 'email', message: 'Please provide a valid email address', value: 'a@b' }]],
    [{ email: '', password: 'password123', name: 'Ab' }, [{ field: 'email', message: '"email" is not allowed to be empty', value: '' }]],
    [{ email: 42, password: 'password123', name: 'Ab' }, [{ field: 'email', message: '"email" must be a string', value: 42 }]],
    [{ email: email(), password: 'short', name: 'Ab' }, [{ field: 'password', message: 'Password must be at least 8 characters long', value: 'short' }]],
    [{ email: email(), password: 'x'.repeat(129), name: 'Ab' }, [{ field: 'password', message: 'Password cannot exceed 128 characters', value: 'x'.repeat(129) }]],
    [{ email: email(), password: 'password123', name: 'A' }, [{ field: 'name', message: 'Name must be at least 2 characters long', value: 'A' }]],
    [{ email: email(), password: 'password123', name: 'n'.repeat(101) }, [{ field: 'name', message: 'Name cannot exceed 100 characters', value: 'n'.repeat(101) }]],
    [{ email: email(), password: 'password123', name: 'Ab', role: 'viewer' }, [{ field: 'role', message: '"role" must be one of [advertiser, admin]', value: 'viewer' }]],
    [{ email: email(), password: 'password123', name: 'Ab', role: '' }, [{ field: 'role', message: '"role" must be one of [advertiser, admin]', value: '' }, { field: 'role', message: '"role" is not allowed to be empty', value: '' }]],
    [{ email: email(), password: 'password123', name: 'Ab', role: null }, [{ field: 'role', message: '"role" must be one of [advertiser, admin]', value: null }, { field: 'role', message: '"role" must be a string', value: null }]],
    [{ email: 'x\'; DROP TABLE users; --@example.com', password: 1, name: null }, [
      { field: 'email', message: 'Please provide a valid email address', value: 'x\'; DROP TABLE users; --@example.com' },
      { field: 'password', message: '"password" must be a string', value: 1 },
      { field: 'name', message: '"name" must be a string', value: null }]],
  ];
  for (const [body, details] of cases) {
    const x = await register(body);
    assert.equal(x.status, 400, JSON.stringify(body));
    assert.deepEqual(x.json.error.details, details, JSON.stringify(body));
  }
  assert.equal(sql('SELECT count(*) FROM users')[0][0] > 0, true, 'users table intact');
});

test('register: e-mail addresses follow the IANA TLD list', async () => {
  for (const ok of ['a@b.co', 'a@b.museum', `user.name+tag-${randomUUID().slice(0, 8)}@example.com`]) {
    const r = await register({ email: ok, password: 'password123', name: 'Okay' });
    assert.ok(r.status === 201 || r.status === 409, `${ok}: ${r.status}`);
  }
  for (const bad of ['a@b', 'a@b.c', 'a@b.zz', 'a@localhost', 'a b@c.com', ' a@b.com', 'a@b.com ']) {
    const r = await register({ email: bad, password: 'password123', name: 'Okay' });
    assert.equal(r.status, 400, bad);
    assert.equal(r.json.error.details[0].message, 'Please provide a valid email address', bad);
  }
});

test('register: an array body, a text/plain body and an invalid form body are validation errors', async () => {
  const arr = await register([1, 2]);
  assert.equal(arr.status, 400);
  assert.deepEqual(arr.json.error.details, [{ field: '', message: '"value" must be of type object', value: [1, 2] }]);
  const txt = await request('POST', `${d.adminUrl}/api/v1/auth/register`, { headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify({ email: email(), password: 'password123', name: 'Plain' }) });
  assert.equal(txt.status, 400);
  assert.equal(txt.json.error.code, 'VALIDATION_ERROR');
  const form = await request('POST', `${d.adminUrl}/api/v1/auth/register`, { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'email=bad&password=x' });
  assert.equal(form.status, 400);
  assert.equal(form.json.error.code, 'VALIDATION_ERROR');
  const e = email();
  const good = await request('POST', `${d.adminUrl}/api/v1/auth/register`, { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: `email=${encodeURIComponent(e)}&password=password123&name=Form+User` });
  assert.equal(good.status, 201);
  assert.equal(good.json.user.name, 'Form User');
});

test('login: success, and identical 401s for wrong password, unknown e-mail and inactive user', async () => {
  const e = email();
  await register({ email: e, password: 'password123', name: 'Login User' });
  const ok = await login({ email: e, password: 'password123' });
  assert.equal(ok.status, 200);
  assert.equal(ok.json.message, 'Login successful');
  assert.deepEqual(Object.keys(ok.json.user), ['id', 'email', 'name', 'role']);
  const want = { error: { message: 'Invalid email or password', code: 'INVALID_CREDENTIALS' } };
  const wrong = await login({ email: e, password: 'wrong-password' });
  assert.equal(wrong.status, 401);
  assert.deepEqual(wrong.json, want);
  const unknown = await login({ email: email(), password: 'password123' });
  assert.deepEqual(unknown.json, want);
  const caps = await login({ email: e.toUpperCase(), password: 'password123' });
  assert.deepEqual(caps.json, want, 'e-mails compare case-sensitively');
  sql(`UPDATE users SET status = 'suspended' WHERE email = :'e'`, { e });
  const suspended = await login({ email: e, password: 'password123' });
  assert.deepEqual(suspended.json, want);
});

test('login: hashes written by other tools ($2a$, $2y$) verify', async () => {
  for (const hash of ['$2a$04$abcdefghijklmnopqrstuuK7Sjs7rFYArh/ytIZsOeM/z4RV2Fw2i', '$2y$05$ABCDEFGHIJKLMNOPQRSTUuXSUB1HwSTiE5eIh1Cl9DqKxAF86iKCq']) {
    const e = email();
    sql(`INSERT INTO users (email, password_hash, name, role) VALUES (:'e', :'h', 'Ext', 'advertiser')`, { e, h: hash });
    const r = await login({ email: e, password: 'password123' });
    assert.equal(r.status, 200, hash.slice(0, 4));
  }
});

test('login validation: {} reports both required fields; a password of any length is accepted', async () => {
  const r = await login({});
  assert.equal(r.status, 400);
  assert.deepEqual(r.json.error.details, [
    { field: 'email', message: 'Email is required' },
    { field: 'password', message: 'Password is required' },
  ]);
  const short = await login({ email: email(), password: 'x' });
  assert.equal(short.status, 401);
  const empty = await login({ email: email(), password: '' });
  assert.deepEqual(empty.json.error.details, [{ field: 'password', message: '"password" is not allowed to be empty', value: '' }]);
});

test('login timing: unknown e-mail and wrong password cost the same at bcrypt cost 12', async () => {
  const slow = await startDaemon({ ADSERVERD_BCRYPT_COST: '12' });
  try {
    const e = email();
    const reg = await api('POST', `${slow.adminUrl}/api/v1/auth/register`, { body: { email: e, password: 'password123', name: 'Cost Twelve' } });
    assert.equal(reg.status, 201);
    assert.match(sql(`SELECT password_hash FROM users WHERE email = :'e'`, { e })[0][0], /^\$2b\$12\$/);
    const time = async (body) => {
      const t0 = process.hrtime.bigint();
      const r = await api('POST', `${slow.adminUrl}/api/v1/auth/login`, { body });
      assert.equal(r.status, 401);
      return Number(process.hrtime.bigint() - t0) / 1e6;
    };
    const unknown = [], wrong = [];
    for (let i = 0; i < 3; i++) {
      unknown.push(await time({ email: email(), password: 'password123' }));
      wrong.push(await time({ email: e, password: 'not-the-password' }));
    }
    const med = (a) => a.sort((x, y) => x - y)[1];
    const diff = Math.abs(med(unknown) - med(wrong));
    console.log(`login timing: unknown ${med(unknown).toFixed(1)} ms, wrong password ${med(wrong).toFixed(1)} ms`);
    assert.ok(med(wrong) > 50, 'bcrypt at cost 12 really ran');
    assert.ok(diff < 500, `difference ${diff} ms`);
    assert.ok(diff < med(wrong) * 0.5, `difference ${diff} ms is small next to ${med(wrong)} ms`);
  } finally {
    await slow.stop();
  }
});

test('profile: camel-cased user with status; externally minted HS256 tokens are accepted', async () => {
  const u = createUser({ name: 'Profile User' });
  const r = await api('GET', `${d.adminUrl}/api/v1/auth/profile`, { token: u.token });
  assert.equal(r.status, 200);
  assert.deepEqual(Object.keys(r.json.user), ['id', 'email', 'name', 'role', 'status', 'createdAt']);
  assert.equal(r.json.user.status, 'active');
  sql(`DELETE FROM users WHERE id = :'id'`, { id: u.id });
  const gone = await api('GET', `${d.adminUrl}/api/v1/auth/profile`, { token: u.token });
  assert.equal(gone.status, 401, 'a token whose user is gone is invalid');
  assert.equal(gone.json.error.code, 'INVALID_TOKEN');
});

test('logout revokes exactly the presented token in Redis, for at least a day and its lifetime', async () => {
  const e = email();
  const reg = await register({ email: e, password: 'password123', name: 'Logout' });
  const { accessToken, refreshToken } = reg.json.tokens;
  assert.notEqual(accessToken, refreshToken, 'tokens carry a unique jti');
  const out = await api('POST', `${d.adminUrl}/api/v1/auth/logout`, { token: refreshToken });
  assert.equal(out.status, 200);
  assert.deepEqual(out.json, { message: 'Logout successful' });
  assert.equal(await redis(null, 'GET', `blacklist:${refreshToken}`), 'true');
  const ttl = await redis(null, 'TTL', `blacklist:${refreshToken}`);
  assert.ok(ttl > 7 * 86400 - 60, `TTL ${ttl} covers the 7-day refresh token`);
  const again = await api('GET', `${d.adminUrl}/api/v1/auth/profile`, { token: refreshToken });
  assert.equal(again.status, 401);
  assert.equal(again.json.error.code, 'INVALID_TOKEN');
  const other = await api('GET', `${d.adminUrl}/api/v1/auth/profile`, { token: accessToken });
  assert.equal(other.status, 200, 'the other token stays valid');
  const out2 = await api('POST', `${d.adminUrl}/api/v1/auth/logout`, { token: accessToken });
  assert.equal(out2.status, 200);
  assert.ok(await redis(null, 'TTL', `blacklist:${accessToken}`) >= 86400 - 60);
});

test('refresh: new pair, the used token revoked, reuse 401, access tokens accepted (quirk)', async () => {
  const reg = await register({ email: email(), password: 'password123', name: 'Refresh' });
  const { accessToken, refreshToken } = reg.json.tokens;
  const r = await api('POST', `${d.adminUrl}/api/v1/auth/refresh`, { body: { refreshToken } });
  assert.equal(r.status, 200);
  assert.equal(r.json.message, 'Token refreshed successfully');
  assert.notEqual(r.json.tokens.refreshToken, refreshToken);
  assert.notEqual(r.json.tokens.accessToken, accessToken);
  const reuse = await api('POST', `${d.adminUrl}/api/v1/auth/refresh`, { body: { refreshToken } });
  assert.equal(reuse.status, 401);
  assert.deepEqual(reuse.json, { error: { message: 'Invalid refresh token', code: 'INVALID_REFRESH_TOKEN' } });
  const viaAccess = await api('POST', `${d.adminUrl}/api/v1/auth/refresh`, { body: { refreshToken: accessToken } });
  assert.equal(viaAccess.status, 200);
  for (const bad of ['garbage', mintToken({ id: reg.json.user.id, iat: 1, exp: 2 })]) {
    const x = await api('POST', `${d.adminUrl}/api/v1/auth/refresh`, { body: { refreshToken: bad } });
    assert.equal(x.status, 401);
    assert.equal(x.json.error.code, 'INVALID_REFRESH_TOKEN');
  }
  const missing = await api('POST', `${d.adminUrl}/api/v1/auth/refresh`, { body: {} });
  assert.equal(missing.status, 400);
  assert.deepEqual(missing.json.error.details, [{ field: 'refreshToken', message: 'Refresh token is required' }]);
  const empty = await api('POST', `${d.adminUrl}/api/v1/auth/refresh`, { body: { refreshToken: '' } });
  assert.equal(empty.json.error.details[0].message, '"refreshToken" is not allowed to be empty');
});

test('a Redis FLUSHALL forgets revocations but breaks nothing', async () => {
  const reg = await register({ email: email(), password: 'password123', name: 'Flush' });
  await api('POST', `${d.adminUrl}/api/v1/auth/logout`, { token: reg.json.tokens.accessToken });
  assert.equal(await redis(null, 'FLUSHALL'), 'OK');
  const after = await api('GET', `${d.adminUrl}/api/v1/auth/profile`, { token: reg.json.tokens.accessToken });
  assert.equal(after.status, 200);
  const h = await request('GET', `${d.adminUrl}/health`);
  assert.equal(h.json.checks.redis.status, 'OK');
  await sleep(10);
});
