// ctvctl's exit codes and failure paths: every code provoked. A dead server
// (9), a server that never answers (10, with --timeout and CTVCTL_TIMEOUT),
// non-JSON and truncated answers (8, no crash), 409 (6) and 429 (7, also
// from the real daemon's rate limiter), wrong command lines (2, usage on
// stderr, nothing on stdout), and the configuration precedence.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { startDaemon, createUser } from '../lib/harness.mjs';
import { ctl, ctlEnv } from '../lib/ctvctl.mjs';

let fake; // plays a broken admin API: behaviour by path
let fakeUrl;
const held = [];
before(async () => {
  fake = http.createServer((req, res) => {
    switch (fake.mode) {
      case 'slow': held.push(res); return; // never answers
      case 'garbage': res.writeHead(200, { 'Content-Type': 'text/html' }); res.end('<html>502 from a proxy</html>'); return;
      case 'garbage500': res.writeHead(500, { 'Content-Type': 'text/plain' }); res.end('Internal Server Error'); return;
      case 'truncated': res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '100' }); res.end('{"campaigns":['); return;
      case 'conflict': res.writeHead(409, { 'Content-Type': 'application/json' });
        res.end('{"error":{"message":"A user with this email already exists","code":"USER_EXISTS"}}'); return;
      case 'ratelimit': res.writeHead(429, { 'Content-Type': 'application/json', 'Retry-After': '42' });
        res.end('{"error":{"message":"Too many requests from this IP, please try again later.","code":"RATE_LIMIT_EXCEEDED"}}'); return;
      case 'unavailable': res.writeHead(503, { 'Content-Type': 'application/json' });
        res.end('{"status":"ERROR","checks":{"redis":{"status":"OK","latency":0},"database":{"status":"ERROR","error":"down"}}}'); return;
      default: res.writeHead(500); res.end();
    }
  });
  await new Promise((r) => fake.listen(0, '127.0.0.1', r));
  fakeUrl = `http://127.0.0.1:${fake.address().port}`;
});
after(() => {
  for (const r of held) r.destroy();
  fake.close();
});

const tokenEnv = () => ctlEnv(fakeUrl, { CTVCTL_TOKEN: 'any-token' });

test('dead server: exit 9 with the address in the message', async () => {
  const env = ctlEnv('http://127.0.0.1:1', { CTVCTL_TOKEN: 'x' });
  const r = await ctl(['campaigns', 'list'], { env });
  assert.equal(r.status, 9);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^ctvctl: error: http:\/\/127\.0\.0\.1:1: .*(refused|connect)/im);
  const h = await ctl(['health'], { env });
  assert.equal(h.status, 9);
  const dns = await ctl(['--server', 'http://no-such-host.invalid', 'health'], { env });
  assert.equal(dns.status, 9);
});

test('a server that never answers: exit 10 after --timeout, or CTVCTL_TIMEOUT', async () => {
  fake.mode = 'slow';
  const t0 = Date.now();
  const r = await ctl(['--timeout', '1', 'campaigns', 'list'], { env: tokenEnv() });
  const took = Date.now() - t0;
  assert.equal(r.status, 10, r.stderr);
  assert.match(r.stderr, /^ctvctl: error: no answer from http:\/\/127\.0\.0\.1:\d+ within 1\.0 s$/m);
  assert.ok(took >= 900 && took < 5000, `took ${took} ms`);
  const e = await ctl(['campaigns', 'list'], { env: { ...tokenEnv(), CTVCTL_TIMEOUT: '0.5' } });
  assert.equal(e.status, 10);
  assert.match(e.stderr, /within 0\.5 s/);
  // the flag beats the environment
  const both = await ctl(['campaigns', 'list', '--timeout', '0.3'], { env: { ...tokenEnv(), CTVCTL_TIMEOUT: '20' } });
  assert.equal(both.status, 10);
  assert.match(both.stderr, /within 0\.3 s/);
});

test('non-JSON and truncated answers: exit 8, a message, no crash', async () => {
  fake.mode = 'garbage';
  const g = await ctl(['campaigns', 'list'], { env: tokenEnv() });
  assert.equal(g.status, 8);
  assert.match(g.stderr, /^ctvctl: error: HTTP 200 answer is not JSON \(Content-Type: text\/html\)$/m);
  const gj = await ctl(['--json', 'campaigns', 'get', '00000000-0000-4000-8000-000000000000'], { env: tokenEnv() });
  assert.equal(gj.status, 8);
  assert.equal(gj.stdout, '');
  const h = await ctl(['health'], { env: tokenEnv() });
  assert.equal(h.status, 8);
  fake.mode = 'garbage500';
  const f = await ctl(['campaigns', 'list'], { env: tokenEnv() });
  assert.equal(f.status, 8);
  assert.match(f.stderr, /^ctvctl: error: HTTP 500 with a non-JSON body$/m);
  fake.mode = 'truncated';
  const t = await ctl(['campaigns', 'list'], { env: tokenEnv() });
  assert.ok(t.status === 9 || t.status === 8, `exit ${t.status}: ${t.stderr}`);
});

test('409 conflict: exit 6; 429: exit 7 with Retry-After; 503 health: exit 8 with the body', async () => {
  fake.mode = 'conflict';
  const c = await ctl(['campaigns', 'create', '--name', 'x'], { env: tokenEnv() });
  assert.equal(c.status, 6);
  assert.match(c.stderr, /^ctvctl: error: A user with this email already exists$/m);
  fake.mode = 'ratelimit';
  const r = await ctl(['campaigns', 'list'], { env: tokenEnv() });
  assert.equal(r.status, 7);
  assert.match(r.stderr, /Too many requests from this IP/);
  assert.match(r.stderr, /hint: retry after 42 s/);
  fake.mode = 'unavailable';
  const h = await ctl(['health'], { env: tokenEnv() });
  assert.equal(h.status, 8);
  assert.match(h.stdout, /^database\tERROR error$/m);
  assert.match(h.stderr, /server unhealthy \(HTTP 503\)/);
});

test('the real rate limiter: exit 7 once the window is used up', async () => {
  const d = await startDaemon({ RATE_LIMIT_MAX_REQUESTS: '3' });
  try {
    const u = createUser();
    const env = ctlEnv(d.adminUrl, { CTVCTL_TOKEN: u.token });
    const codes = [];
    for (let i = 0; i < 5; i++) codes.push((await ctl(['-q', 'campaigns', 'list'], { env })).status);
    assert.deepEqual(codes, [0, 0, 0, 7, 7]);
  } finally {
    await d.stop();
  }
});

test('wrong command lines: exit 2, the usage line on stderr, nothing on stdout', async () => {
  const env = ctlEnv('http://127.0.0.1:1');
  const cases = [
    [[], /no command given/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['campaigns'], /'campaigns' needs a verb/],
    [['campaigns', 'explode'], /unknown verb 'explode' for 'campaigns'/],
    [['campaigns', 'list', '--bogus'], /unknown option --bogus\nusage: ctvctl campaigns list/],
    [['campaigns', 'list', '--hard'], /option --hard does not apply to 'campaigns list'/],
    [['campaigns', 'get'], /missing argument\nusage: ctvctl campaigns get <id>/],
    [['campaigns', 'get', 'a', 'b'], /unexpected argument 'b'/],
    [['campaigns', 'create', '--name'], /option --name needs a value \(NAME\)/],
    [['--timeout', 'soon', 'health'], /--timeout must be seconds > 0/],
    [['health', '--timeout', '0'], /--timeout must be seconds > 0/],
    [['--color', '--no-color', 'health'], /exclude each other/],
    [['--json=yes', 'health'], /option --json takes no value/],
    [['-x', 'health'], /unknown option -x/],
    [['--name', 'x', 'campaigns', 'list'], /option --name must follow the command/],
    [['creatives', 'upload', 'c'], /missing argument/],
    [['creatives', 'upload', 'c', 'f', '--wait-timeout', 'x'], /--wait-timeout must be seconds > 0/],
  ];
  for (const [args, re] of cases) {
    const r = await ctl(args, { env });
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '', args.join(' '));
    assert.match(r.stderr, /^ctvctl: error: /m, args.join(' '));
    assert.match(r.stderr, re, args.join(' '));
  }
});

test('help goes to stdout with exit 0; --version', async () => {
  const env = ctlEnv('http://127.0.0.1:1');
  for (const args of [['--help'], ['-h'], ['help'], ['campaigns', '--help'], ['campaigns', 'create', '--help'], ['creatives', 'upload', '-h']]) {
    const r = await ctl(args, { env });
    assert.equal(r.status, 0, args.join(' '));
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /usage: ctvctl|ctvctl campaigns list/);
  }
  assert.match((await ctl(['campaigns', 'create', '--help'], { env })).stdout, /--cpm-rate AMOUNT +price per thousand impressions/);
  assert.match((await ctl(['--help'], { env })).stdout, /Exit codes: 0 ok, 1 failed, 2 usage, 3 authentication, 4 not found,\n5 validation, 6 conflict, 7 rate limited, 8 server error, 9 network,\n10 timeout\./);
  assert.match((await ctl(['-V'], { env })).stdout, /^ctvctl \d+\.\d+\.\d+\n$/);
});

test('configuration: --server > CTVCTL_SERVER > config file; a bad config file is reported', async () => {
  const env = ctlEnv(undefined);
  const dir = path.join(env.XDG_CONFIG_HOME, 'ctvctl');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config'), `# ctvctl\nserver = http://127.0.0.1:2\ntimeout = 3\n`);
  const f = await ctl(['health'], { env });
  assert.equal(f.status, 9);
  assert.match(f.stderr, /127\.0\.0\.1:2:/);
  const e = await ctl(['health'], { env: { ...env, CTVCTL_SERVER: 'http://127.0.0.1:3' } });
  assert.match(e.stderr, /127\.0\.0\.1:3:/);
  const g = await ctl(['--server', 'http://127.0.0.1:4', 'health'], { env: { ...env, CTVCTL_SERVER: 'http://127.0.0.1:3' } });
  assert.match(g.stderr, /127\.0\.0\.1:4:/);
  const scheme = await ctl(['--server', 'ftp://x', 'health'], { env });
  assert.equal(scheme.status, 1);
  assert.match(scheme.stderr, /server URL must start with http:\/\/ or https:\/\//);
  fs.writeFileSync(path.join(dir, 'config'), 'colour = always\n');
  const bad = await ctl(['health'], { env });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^ctvctl: error: config line 1: unknown key colour$/m);
});
