// tests/lib/harness.mjs: what integration tests share.
//
// Every test file starts its own adserverd (the ASan+UBSan build named by
// ADSERVERD_BIN) on free ports against the private PostgreSQL/Redis/s3rver
// that tests/run.sh started (DATABASE_URL, REDIS_URL, S3_ENDPOINT), and
// stops it at the end; a daemon that exits non-zero or prints a sanitizer
// report fails the test that stops it. Requests go over real HTTP with
// node's http module, so headers are exactly what was sent.
import { spawn, execFileSync } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';

export const ROOT = process.env.ROOT || path.resolve(new URL('../..', import.meta.url).pathname);
export const JWT_SECRET = 'test-jwt-secret-shared-with-the-suite';
export const SHARED_DIR = process.env.SHARED_DIR || path.join(ROOT, '..', 'shared');

// A free TCP port on 127.0.0.1 (the kernel picks; the race with another
// process taking it before we bind is retried by startDaemon).
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Start adserverd; env overrides the test defaults. Resolves once it logged
// "listening". The returned object has adminUrl, adUrl, pid, logs(), stop().
export async function startDaemon(env = {}, { args = [], bin = process.env.ADSERVERD_BIN } = {}) {
  assert.ok(bin && fs.existsSync(bin), `ADSERVERD_BIN not found: ${bin}`);
  for (let attempt = 0; attempt < 5; attempt++) {
    const adminPort = await freePort();
    const adPort = await freePort();
    const dataDir = fs.mkdtempSync(path.join(process.env.VAR || '/tmp', 'daemon-'));
    const fullEnv = {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      DATABASE_URL: process.env.DATABASE_URL,
      REDIS_URL: process.env.REDIS_URL,
      JWT_SECRET,
      JWT_EXPIRES_IN: '1h',
      REFRESH_TOKEN_EXPIRES_IN: '24h',
      RATE_LIMIT_WINDOW_MS: '60000',
      RATE_LIMIT_MAX_REQUESTS: '100000',
      CORS_ORIGIN: 'http://localhost:3001',
      PORT: String(adminPort),
      AD_PORT: String(adPort),
      ADSERVERD_ADMIN_BIND: '127.0.0.1',
      ADSERVERD_AD_BIND: '127.0.0.1',
      ADSERVERD_DATA_DIR: dataDir,
      ADSERVERD_BCRYPT_COST: '4',
      S3_ENDPOINT: process.env.S3_ENDPOINT || '',
      S3_BUCKET_NAME: process.env.S3_BUCKET_NAME || 'ctv-ad-server-creatives',
      AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID || 'test',
      AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY || 'test',
      AWS_REGION: process.env.AWS_REGION || 'us-east-1',
      ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0:exitcode=86',
      UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1',
      ...env,
    };
    for (const k of Object.keys(fullEnv)) if (fullEnv[k] === undefined) delete fullEnv[k];
    const child = spawn(bin, args, { env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    const ready = await Promise.race([
      (async () => {
        for (let i = 0; i < 300; i++) {
          if (out.includes('"msg":"listening"')) return true;
          await sleep(20);
        }
        return false;
      })(),
      exited.then(() => false),
    ]);
    if (!ready) {
      child.kill('SIGKILL');
      if (/cannot listen/.test(out) && attempt < 4) continue; // port race
      throw new Error(`adserverd did not start:\n${out}`);
    }
    const d = {
      pid: child.pid,
      adminPort,
      adPort,
      dataDir,
      env: fullEnv,
      adminUrl: `http://127.0.0.1:${adminPort}`,
      adUrl: `http://127.0.0.1:${adPort}`,
      logs: () => out,
      child,
      exited,
      // Graceful stop; asserts a clean exit without sanitizer reports.
      async stop() {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
        const { code, signal } = await exited;
        clearTimeout(timer);
        const sanitizer = /(AddressSanitizer|LeakSanitizer|runtime error:|UndefinedBehaviorSanitizer)/.test(out);
        assert.ok(!sanitizer, `sanitizer report from adserverd:\n${out.slice(-6000)}`);
        assert.equal(code, 0, `adserverd exited with ${code} (${signal}):\n${out.slice(-3000)}`);
      },
      async kill9() {
        child.kill('SIGKILL');
        await exited;
      },
    };
    return d;
  }
  throw new Error('adserverd did not start after 5 attempts');
}

// One HTTP request. headers is sent verbatim (array form keeps duplicates).
export function request(method, url, { headers = {}, body, localAddress, timeout = 30000 } = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = http.request({
      host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers,
      localAddress, agent: false,
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        const text = buf.toString('utf8');
        let json;
        try { json = text.length ? JSON.parse(text) : undefined; } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, body: buf, text, json });
      });
      res.on('error', reject);
    });
    req.setTimeout(timeout, () => req.destroy(new Error(`timeout ${method} ${url}`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

// JSON convenience: body is an object (serialised) unless it is a string/Buffer.
export function api(method, url, { token, body, headers = {}, ...rest } = {}) {
  const h = { ...headers };
  if (token) h.Authorization = `Bearer ${token}`;
  let payload = body;
  if (body !== undefined && typeof body !== 'string' && !Buffer.isBuffer(body)) {
    payload = JSON.stringify(body);
    h['Content-Type'] = h['Content-Type'] || 'application/json';
  }
  return request(method, url, { headers: h, body: payload, ...rest });
}

// Raw bytes over a socket, for malformed requests; resolves with what came back.
export function rawRequest(port, bytes, { timeout = 5000, localAddress } = {}) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port, localAddress });
    let got = '';
    const done = () => { s.destroy(); resolve(got); };
    s.setTimeout(timeout, done);
    s.on('data', (d) => { got += d.toString('latin1'); });
    s.on('end', done);
    s.on('close', done);
    s.on('error', done);
    s.on('connect', () => s.write(bytes));
  });
}

// SQL through psql (real PostgreSQL; values passed as psql variables, quoted
// by psql itself with :'name'). Returns rows as arrays of strings.
export function sql(query, vars = {}) {
  const args = [process.env.DATABASE_URL, '-X', '-q', '-A', '-t', '-F', '\t', '-v', 'ON_ERROR_STOP=1'];
  for (const [k, v] of Object.entries(vars)) args.push('-v', `${k}=${v}`);
  const out = execFileSync('psql', args, { input: query, encoding: 'utf8' });
  return out.split('\n').filter((l) => l.length).map((l) => l.split('\t'));
}

// Redis over RESP, one command per call.
export function redis(url, ...argv) {
  const u = new URL(url || process.env.REDIS_URL);
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: u.hostname, port: Number(u.port || 6379) });
    let buf = '';
    s.setTimeout(3000, () => { s.destroy(); reject(new Error('redis timeout')); });
    s.on('error', reject);
    s.on('data', (d) => {
      buf += d.toString('utf8');
      const r = parseResp(buf);
      if (r) { s.end(); resolve(r.value); }
    });
    s.on('connect', () => {
      let cmd = `*${argv.length}\r\n`;
      for (const a of argv) cmd += `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`;
      s.write(cmd);
    });
  });
}

function parseResp(b) {
  const nl = b.indexOf('\r\n');
  if (nl < 0) return null;
  const t = b[0];
  const line = b.slice(1, nl);
  if (t === '+' ) return { value: line, rest: b.slice(nl + 2) };
  if (t === '-') return { value: new Error(line), rest: b.slice(nl + 2) };
  if (t === ':') return { value: Number(line), rest: b.slice(nl + 2) };
  if (t === '$') {
    const n = Number(line);
    if (n < 0) return { value: null, rest: b.slice(nl + 2) };
    if (b.length < nl + 2 + n + 2) return null;
    return { value: b.slice(nl + 2, nl + 2 + n), rest: b.slice(nl + 4 + n) };
  }
  if (t === '*') {
    const n = Number(line);
    let rest = b.slice(nl + 2);
    const arr = [];
    for (let i = 0; i < n; i++) {
      const r = parseResp(rest);
      if (!r) return null;
      arr.push(r.value);
      rest = r.rest;
    }
    return { value: arr, rest };
  }
  return null;
}

// A private redis-server for tests that stop Redis mid-test.
export async function startRedis() {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '',
    '--appendonly', 'no'], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try { if ((await redis(url, 'PING')) === 'PONG') break; } catch { /* not yet */ }
    await sleep(50);
  }
  return {
    url, port, child,
    async stop() { child.kill('SIGTERM'); await new Promise((r) => child.on('exit', r)); },
  };
}

const b64url = (b) => Buffer.from(b).toString('base64url');

// An HS256 (or other HMAC) JWT minted outside the daemon, like the reference suite's.
export function mintToken(claims, { secret = JWT_SECRET, alg = 'HS256' } = {}) {
  const header = b64url(JSON.stringify({ alg, typ: 'JWT' }));
  const payload = b64url(JSON.stringify(claims));
  const hash = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }[alg];
  const sig = hash ? createHmac(hash, secret).update(`${header}.${payload}`).digest('base64url') : '';
  return `${header}.${payload}.${sig}`;
}

// A user inserted straight into PostgreSQL (bcrypt cost 4 hash of "password123"),
// with a token minted for it. Tests that are not about login use this.
export const FIXTURE_HASH = '$2b$04$rQQhy653YvcEywFIsMbx0uQP22GPUhQesP3hXsxyN83nNnvL4ZwUq';
export function createUser({ email = `u-${randomUUID()}@example.com`, name = 'Fixture User', role = 'advertiser', status = 'active' } = {}) {
  const [[id]] = sql(`INSERT INTO users (email, password_hash, name, role, status)
    VALUES (:'email', :'hash', :'name', :'role', :'status') RETURNING id`,
  { email, hash: FIXTURE_HASH, name, role, status });
  const now = Math.floor(Date.now() / 1000);
  const token = mintToken({ id, email, role, iat: now, exp: now + 3600 });
  return { id, email, name, role, token };
}

// Descriptor count of a process.
export function fdCount(pid) {
  return fs.readdirSync(`/proc/${pid}/fd`).length;
}

// Client connections a process holds on its listening ports (fd leak checks
// that must not count the daemon's own pooled PostgreSQL and Redis sockets,
// which threads open on first use). Sockets are matched by inode between
// /proc/<pid>/fd and /proc/<pid>/net/tcp{,6}, where the local port is one of ports
// and the state is not LISTEN.
export function inboundConnections(pid, ports) {
  const inodes = new Set();
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch { /* closed meanwhile */ }
  }
  const want = new Set(ports.map((p) => p.toString(16).toUpperCase().padStart(4, '0')));
  let n = 0;
  for (const f of ['tcp', 'tcp6']) {
    let text = '';
    try { text = fs.readFileSync(`/proc/${pid}/net/${f}`, 'utf8'); } catch { continue; }
    for (const line of text.split('\n').slice(1)) {
      const c = line.trim().split(/\s+/);
      if (c.length < 10) continue;
      const localPort = c[1].split(':')[1];
      if (want.has(localPort) && c[3] !== '0A' && inodes.has(c[9])) n++;
    }
  }
  return n;
}
