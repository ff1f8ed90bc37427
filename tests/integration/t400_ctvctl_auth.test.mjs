// ctvctl login, logout, whoami against a real adserverd: the token file
// (0600, refused at 0644 like .pgpass), --json equal to the API's answer,
// the password prompt without echo on a terminal, automatic refresh of an
// expired access token (JWT_EXPIRES_IN=2s), and logout revoking both tokens.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startDaemon, api, createUser, sleep } from '../lib/harness.mjs';
import { ctl, ctlEnv, login, readToken, tokenPath, onTty } from '../lib/ctvctl.mjs';

let d;
let short; // a daemon whose access tokens live 2 s
before(async () => {
  d = await startDaemon();
  short = await startDaemon({ JWT_EXPIRES_IN: '2s' });
});
after(async () => {
  await d.stop();
  await short.stop();
});

test('login --password-stdin stores a 0600 token file; whoami --json is the API profile', async () => {
  const u = createUser();
  const env = ctlEnv(d.adminUrl);
  const r = await ctl(['login', '--email', u.email, '--password-stdin'], { env, input: 'password123\n' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^ctvctl: logged in to http:\/\/127\.0\.0\.1:\d+ as /);
  const st = fs.statSync(tokenPath(env));
  assert.equal(st.mode & 0o777, 0o600);
  const tok = readToken(env);
  assert.equal(tok.server, d.adminUrl);
  assert.equal(tok.email, u.email);
  assert.ok(!r.stderr.includes(tok.accessToken) && !r.stdout.includes(tok.accessToken));
  const w = await ctl(['--json', 'whoami'], { env });
  assert.equal(w.status, 0, w.stderr);
  const prof = await api('GET', `${d.adminUrl}/api/v1/auth/profile`, { token: tok.accessToken });
  assert.deepEqual(JSON.parse(w.stdout), prof.json);
  const q = await ctl(['whoami', '-q'], { env });
  assert.equal(q.stdout, `${u.id}\n`);
  const table = await ctl(['whoami'], { env });
  assert.match(table.stdout, new RegExp(`^email\\t${u.email.replace(/[.]/g, '\\.')}$`, 'm'));
  assert.match(table.stdout, new RegExp(`^server\\t${d.adminUrl}$`, 'm'));
});

test('login --json prints the user, never the tokens', async () => {
  const u = createUser();
  const env = ctlEnv(d.adminUrl);
  const r = await ctl(['login', '--json', '--email', u.email, '--password-stdin'], { env, input: 'password123\n' });
  assert.equal(r.status, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.user.id, u.id);
  assert.equal(doc.tokens, undefined);
  assert.ok(!r.stdout.includes(readToken(env).accessToken));
});

test('wrong password: exit 3 with the API message; no e-mail off a terminal: exit 2', async () => {
  const u = createUser();
  const env = ctlEnv(d.adminUrl);
  const r = await ctl(['login', '--email', u.email, '--password-stdin'], { env, input: 'wrong-password\n' });
  assert.equal(r.status, 3);
  assert.match(r.stderr, /^ctvctl: error: Invalid email or password$/m);
  assert.ok(!fs.existsSync(tokenPath(env)));
  const noMail = await ctl(['login', '--password-stdin'], { env, input: 'x\n' });
  assert.equal(noMail.status, 2);
  assert.match(noMail.stderr, /--email is required/);
  const noTty = await ctl(['login', '--email', u.email], { env, input: 'password123\n' });
  assert.equal(noTty.status, 2);
  assert.match(noTty.stderr, /no terminal to ask for the password; use --password-stdin/);
});

test('password prompt on a terminal does not echo the password', async () => {
  const u = createUser();
  const env = ctlEnv(d.adminUrl);
  const r = await onTty(['login', '--email', u.email], { env, steps: [{ wait: /Password: /, send: 'password123\r' }] });
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /Password: /);
  assert.ok(!r.out.includes('password123'), `password echoed:\n${r.out}`);
  assert.match(r.out, /logged in to/);
  assert.equal(fs.statSync(tokenPath(env)).mode & 0o777, 0o600);
});

test('a token file readable by group or others is refused (exit 3), like .pgpass', async () => {
  const u = createUser();
  const env = ctlEnv(d.adminUrl);
  await login(env, u.email);
  fs.chmodSync(tokenPath(env), 0o644);
  const r = await ctl(['whoami'], { env });
  assert.equal(r.status, 3);
  assert.match(r.stderr, /^ctvctl: error: token file .*token has mode 0644: group or others may access it; refusing it/m);
  assert.equal(r.stdout, '');
  fs.chmodSync(tokenPath(env), 0o640);
  assert.equal((await ctl(['whoami'], { env })).status, 3);
  fs.chmodSync(tokenPath(env), 0o600);
  assert.equal((await ctl(['whoami'], { env })).status, 0);
});

test('not logged in: exit 3 with a hint; CTVCTL_TOKEN works without a file', async () => {
  const u = createUser();
  const env = ctlEnv(d.adminUrl);
  const r = await ctl(['campaigns', 'list'], { env });
  assert.equal(r.status, 3);
  assert.match(r.stderr, /not logged in .*run 'ctvctl login' or set CTVCTL_TOKEN/);
  const w = await ctl(['-q', 'whoami'], { env: { ...env, CTVCTL_TOKEN: u.token } });
  assert.equal(w.status, 0, w.stderr);
  assert.equal(w.stdout, `${u.id}\n`);
  const bad = await ctl(['whoami'], { env: { ...env, CTVCTL_TOKEN: 'not-a-token' } });
  assert.equal(bad.status, 3);
  assert.match(bad.stderr, /^ctvctl: error: Invalid or expired token$/m);
  assert.match(bad.stderr, /hint: log in again/);
});

test('an expired access token is refreshed with the refresh token and saved (0600)', async () => {
  const u = createUser();
  const env = ctlEnv(short.adminUrl);
  const first = await login(env, u.email);
  await sleep(3200); // the 2 s access token has expired
  const old = await api('GET', `${short.adminUrl}/api/v1/auth/profile`, { token: first.accessToken });
  assert.equal(old.status, 401, 'the stored access token must really be expired');
  const r = await ctl(['-q', 'whoami'], { env });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `${u.id}\n`);
  const second = readToken(env);
  assert.notEqual(second.accessToken, first.accessToken);
  assert.notEqual(second.refreshToken, first.refreshToken);
  assert.equal(fs.statSync(tokenPath(env)).mode & 0o777, 0o600);
  // the used refresh token was rotated out by the server
  const reuse = await api('POST', `${short.adminUrl}/api/v1/auth/refresh`, { body: { refreshToken: first.refreshToken } });
  assert.equal(reuse.status, 401);
  // and the new pair works
  const prof = await api('GET', `${short.adminUrl}/api/v1/auth/profile`, { token: second.accessToken });
  assert.equal(prof.status, 200);
});

test('a revoked (not expired) access token: refreshed after the 401, request repeated', async () => {
  const u = createUser();
  const env = ctlEnv(d.adminUrl);
  const first = await login(env, u.email);
  const out = await api('POST', `${d.adminUrl}/api/v1/auth/logout`, { token: first.accessToken });
  assert.equal(out.status, 200);
  const r = await ctl(['--json', 'campaigns', 'list'], { env });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).campaigns, []);
  assert.notEqual(readToken(env).accessToken, first.accessToken);
});

test('logout revokes the access and the refresh token and deletes the file', async () => {
  const u = createUser();
  const env = ctlEnv(d.adminUrl);
  const tok = await login(env, u.email);
  const r = await ctl(['logout'], { env });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /^ctvctl: logged out of /);
  assert.ok(!fs.existsSync(tokenPath(env)));
  const a = await api('GET', `${d.adminUrl}/api/v1/auth/profile`, { token: tok.accessToken });
  assert.equal(a.status, 401);
  const f = await api('POST', `${d.adminUrl}/api/v1/auth/refresh`, { body: { refreshToken: tok.refreshToken } });
  assert.equal(f.status, 401);
  assert.equal((await ctl(['whoami'], { env })).status, 3);
});

test('logout against a dead server keeps the file (nothing was revoked), exit 9', async () => {
  const u = createUser();
  const env = ctlEnv(d.adminUrl);
  await login(env, u.email);
  const r = await ctl(['--server', 'http://127.0.0.1:1', 'logout'], { env });
  // the token belongs to another server: refused before any request
  assert.equal(r.status, 3);
  assert.match(r.stderr, /logged in to http:\/\/127\.0\.0\.1:\d+, not http:\/\/127\.0\.0\.1:1/);
  const tok = readToken(env);
  fs.writeFileSync(tokenPath(env), JSON.stringify({ ...tok, server: 'http://127.0.0.1:1' }), { mode: 0o600 });
  const dead = await ctl(['--server', 'http://127.0.0.1:1', 'logout'], { env });
  assert.equal(dead.status, 9, dead.stderr);
  assert.match(dead.stderr, /tokens not revoked/);
  assert.ok(fs.existsSync(tokenPath(env)));
});
