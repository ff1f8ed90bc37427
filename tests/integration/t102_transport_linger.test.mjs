// Early answers reach the client: a 413 for an 11 MB JSON body and a 401
// for an upload without a token are answered before the body has arrived;
// the daemon drains the body (lingering close, bounded by linger_bytes and
// linger_ms) so Node's http client and curl read the status instead of a
// connection reset. The bounds hold: past them the connection is closed
// without waiting for the rest (libmicrohttpd 0.9.75 cannot queue an answer
// in the middle of a body, so that connection goes unanswered).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { startDaemon, createUser, sql, sleep } from '../lib/harness.mjs';

let d;
let file;
let video;
before(async () => {
  d = await startDaemon();
  const dir = fs.mkdtempSync(path.join(process.env.VAR || '/tmp', 'linger-'));
  file = path.join(dir, 'big.json');
  // 11 MB of valid JSON: over the 10 MB body limit
  fs.writeFileSync(file, JSON.stringify({ email: 'big@example.com', password: 'p'.repeat(11 * 1024 * 1024), name: 'Big' }));
  video = path.join(dir, 'big.mp4');
  fs.writeFileSync(video, Buffer.alloc(11 * 1024 * 1024, 7));
});
after(async () => { await d.stop(); });

// Node's http client, body written in one go as supertest does.
function nodePost(url, headers, body) {
  return new Promise((resolve) => {
    const u = new URL(url);
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString() }));
      res.on('error', (e) => resolve({ error: e.code }));
    });
    req.on('error', (e) => resolve({ error: e.code }));
    req.end(body);
  });
}

function curlStatus(args) {
  return execFileSync('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '60', ...args], { encoding: 'utf8' });
}

test('Node http: an 11 MB JSON body gets its 413, five times in a row, on both listeners', async () => {
  const body = fs.readFileSync(file);
  for (let i = 0; i < 5; i++) {
    const r = await nodePost(`${d.adminUrl}/api/v1/auth/register`, { 'Content-Type': 'application/json', 'Content-Length': body.length }, body);
    assert.equal(r.status, 413, JSON.stringify(r));
    assert.equal(JSON.parse(r.text).error.code, 'INTERNAL_SERVER_ERROR');
    const a = await nodePost(`${d.adUrl}/api/v1/ad-request`, { 'Content-Type': 'application/json', 'Content-Length': body.length }, body);
    assert.equal(a.status, 413, JSON.stringify(a));
  }
  assert.equal(Number(sql(`SELECT count(*) FROM users WHERE email = 'big@example.com'`)[0][0]), 0);
});

test('curl --data-binary: an 11 MB JSON body gets its 413, with and without Expect: 100-continue', () => {
  const url = `${d.adminUrl}/api/v1/auth/register`;
  assert.equal(curlStatus(['-H', 'Content-Type: application/json', '--data-binary', `@${file}`, url]), '413');
  assert.equal(curlStatus(['-H', 'Content-Type: application/json', '-H', 'Expect:', '--data-binary', `@${file}`, url]), '413');
});

test('a multipart upload without a token gets its 401 (Node and curl)', async () => {
  const user = createUser();
  const [[cid]] = sql(`INSERT INTO campaigns (name, status, budget_total, start_date, end_date, created_by,
      pricing_model, cpm_rate)
    VALUES ('linger', 'draft', 100, now(), now() + interval '1 day', :'u', 'cpm', 5) RETURNING id`, { u: user.id });
  const url = `${d.adminUrl}/api/v1/campaigns/${cid}/creatives`;
  const head = Buffer.from('--b0\r\nContent-Disposition: form-data; name="video"; filename="a.mp4"\r\nContent-Type: video/mp4\r\n\r\n');
  const tail = Buffer.from('\r\n--b0--\r\n');
  const body = Buffer.concat([head, fs.readFileSync(video), tail]);
  for (let i = 0; i < 3; i++) {
    const r = await nodePost(url, { 'Content-Type': 'multipart/form-data; boundary=b0', 'Content-Length': body.length }, body);
    assert.equal(r.status, 401, JSON.stringify(r));
    assert.equal(JSON.parse(r.text).error.code, 'MISSING_TOKEN');
  }
  assert.equal(curlStatus(['-F', `video=@${video};type=video/mp4`, '-F', 'name=x', url]), '401');
  assert.equal(curlStatus(['-H', 'Expect:', '-F', `video=@${video};type=video/mp4`, '-F', 'name=x', url]), '401');
  assert.equal(Number(sql(`SELECT count(*) FROM creatives WHERE campaign_id = :'c'`, { c: cid })[0][0]), 0);
  sql(`DELETE FROM campaigns WHERE id = :'c'; DELETE FROM users WHERE id = :'u'`, { c: cid, u: user.id });
});

// Raw socket: headers announcing `announce` bytes, then `send` bytes at once,
// then nothing more; resolves with what came back and whether it closed.
function partial(port, announce, send, { trickleMs = 0, waitMs = 8000 } = {}) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    let got = '';
    let timer;
    const t0 = Date.now();
    const done = (closed) => { clearInterval(timer); s.destroy(); resolve({ got, closed, ms: Date.now() - t0 }); };
    s.setTimeout(waitMs, () => done(false));
    s.on('data', (c) => { got += c.toString('latin1'); });
    s.on('close', () => done(true));
    s.on('error', () => {});
    s.on('connect', () => {
      s.write(`POST /api/v1/auth/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${announce}\r\n\r\n`);
      s.write(Buffer.alloc(send, 32));
      if (trickleMs) timer = setInterval(() => { if (!s.destroyed) s.write(' '); }, trickleMs);
    });
  });
}

test('the drain is bounded in bytes and in time', async () => {
  const small = await startDaemon({ ADSERVERD_LINGER_BYTES: '1048576', ADSERVERD_LINGER_MS: '1000' });
  try {
    // 2 MiB of a 50 MiB body: past linger_bytes, closed at once
    const bytes = await partial(small.adminPort, 50 * 1024 * 1024, 2 * 1024 * 1024);
    assert.equal(bytes.closed, true);
    assert.ok(bytes.ms < 5000, `closed after ${bytes.ms} ms`);
    // a slow body: past linger_ms, closed although bytes keep coming (the
    // connection timeout alone would never end it)
    const slow = await partial(small.adminPort, 50 * 1024 * 1024, 100, { trickleMs: 200 });
    assert.equal(slow.closed, true);
    assert.ok(slow.ms >= 900 && slow.ms < 5000, `closed after ${slow.ms} ms`);
    await sleep(100);
    const m = await new Promise((resolve) => {
      http.get(`${small.adminUrl}/metrics`, (res) => { let t = ''; res.on('data', (c) => { t += c; }); res.on('end', () => resolve(t)); });
    });
    assert.equal(Number(/^adserverd_lingering_aborted_total\{listener="admin"\} (\d+)$/m.exec(m)?.[1]), 2);
  } finally {
    await small.stop();
  }
});

test('lingering answers are counted in /metrics', async () => {
  const r = await new Promise((resolve) => {
    http.get(`${d.adminUrl}/metrics`, (res) => { let t = ''; res.on('data', (c) => { t += c; }); res.on('end', () => resolve(t)); });
  });
  const n = Number(/^adserverd_lingering_answers_total\{listener="admin"\} (\d+)$/m.exec(r)?.[1]);
  assert.ok(n >= 5, `lingering answers: ${n}`);
});
