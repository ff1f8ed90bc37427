// Strict request framing (RFC 9112 sections 6.3 and 11.2) on both listeners,
// over raw sockets: every ambiguous request is refused with its status and
// Connection: close, exactly one answer comes back, and a second request
// planted after the body (registering a user, a visible effect) never runs.
// The refused request itself (also a registration) changes nothing either.
// A beacon acknowledged before a framing error on the same connection is
// counted exactly once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { startDaemon, request, createUser, sql } from '../lib/harness.mjs';
import { createCampaign, signed, waitFor, count } from '../lib/beacons.mjs';

let d;
before(async () => { d = await startDaemon(); });
after(async () => { await d.stop(); });

// The answers in a byte stream, in order: each status line, its header
// block and the Content-Length bytes of its body; stops at anything else.
function responses(text) {
  const out = [];
  let pos = 0;
  for (;;) {
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(text.slice(pos));
    const end = text.indexOf('\r\n\r\n', pos);
    if (!m || end < 0) break;
    const head = text.slice(pos, end);
    const len = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    out.push({ status: Number(m[1]), head, body: text.slice(end + 4, end + 4 + len) });
    pos = end + 4 + len;
  }
  return out;
}

// Send bytes, read until the server closes (or 4 s); the answers.
function exchange(port, bytes) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    const chunks = [];
    let closed = false;
    const done = () => {
      if (closed) return;
      closed = true;
      s.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const rs = responses(text);
      resolve({ text, rs, statuses: rs.map((r) => r.status) });
    };
    s.setTimeout(4000, done);
    s.on('data', (c) => chunks.push(c));
    s.on('end', done);
    s.on('close', done);
    s.on('error', done);
    s.on('connect', () => s.write(bytes));
  });
}

const reg = (email) => JSON.stringify({ email, password: 'password123', name: 'Framing Test' });
const userExists = (email) => count(`SELECT count(*) FROM users WHERE email = :'e'`, { e: email }) > 0;

// The planted request: registers `email` when it runs.
function planted(email) {
  const body = reg(email);
  return `POST /api/v1/auth/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

const R = 'POST /api/v1/auth/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n';
const G = 'GET /health HTTP/1.1\r\nHost: x\r\n';
const chunk = (s) => `${Buffer.byteLength(s).toString(16)}\r\n${s}\r\n0\r\n\r\n`;

// Each case: (first email, smuggled bytes) => raw request; expected status.
const CASES = [
  ['Content-Length with Transfer-Encoding', 400, (a, p) => `${R}Content-Length: ${Buffer.byteLength(reg(a))}\r\nTransfer-Encoding: chunked\r\n\r\n${chunk(reg(a))}${p}`],
  ['Transfer-Encoding before Content-Length', 400, (a, p) => `${R}Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n${chunk(reg(a))}${p}`],
  ['Content-Length 0 then N', 400, (a, p) => `${R}Content-Length: 0\r\nContent-Length: ${Buffer.byteLength(p)}\r\n\r\n${p}`],
  ['Content-Length N then 0', 400, (a, p) => `${R}Content-Length: ${Buffer.byteLength(p)}\r\nContent-Length: 0\r\n\r\n${p}`],
  ['two equal Content-Length', 400, (a, p) => `${R}Content-Length: 0\r\nContent-Length: 0\r\n\r\n${p}`],
  ['space before the colon of Content-Length', 400, (a, p) => `${G}Content-Length : ${Buffer.byteLength(p)}\r\n\r\n${p}`],
  ['tab before the colon of Content-Length', 400, (a, p) => `${G}Content-Length\t: ${Buffer.byteLength(p)}\r\n\r\n${p}`],
  ['space before the colon of Transfer-Encoding', 400, (a, p) => `${R}Content-Length: 0\r\nTransfer-Encoding : chunked\r\n\r\n${p}`],
  ['Content-Length with a sign', 400, (a, p) => `${R}Content-Length: +${Buffer.byteLength(reg(a))}\r\n\r\n${reg(a)}${p}`],
  ['Content-Length list 5,5', 400, (a, p) => `${R}Content-Length: 5,5\r\n\r\n${p}`],
  ['empty Content-Length', 400, (a, p) => `${R}Content-Length: \r\n\r\n${p}`],
  ['negative Content-Length', 400, (a, p) => `${R}Content-Length: -1\r\n\r\n${p}`],
  ['hex Content-Length', 400, (a, p) => `${R}Content-Length: 0x10\r\n\r\n${p}`],
  ['Content-Length in exponent form', 400, (a, p) => `${R}Content-Length: 1e3\r\n\r\n${p}`],
  ['Transfer-Encoding chunked on HTTP/1.0', 400, (a, p) => `POST /api/v1/auth/register HTTP/1.0\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${chunk(reg(a))}${p}`],
  ['Transfer-Encoding and Content-Length on HTTP/1.0', 400, (a, p) => `POST /api/v1/auth/register HTTP/1.0\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n${chunk(reg(a))}${p}`],
  ['Transfer-Encoding: foo', 400, (a, p) => `${R}Transfer-Encoding: foo\r\n\r\n${reg(a)}${p}`],
  ['Transfer-Encoding: identity', 400, (a, p) => `${R}Transfer-Encoding: identity\r\n\r\n${reg(a)}${p}`],
  ['Transfer-Encoding: gzip, chunked', 400, (a, p) => `${R}Transfer-Encoding: gzip, chunked\r\n\r\n${chunk(reg(a))}${p}`],
  ['Transfer-Encoding: chunked, chunked', 400, (a, p) => `${R}Transfer-Encoding: chunked, chunked\r\n\r\n${chunk(reg(a))}${p}`],
  ['Transfer-Encoding: chunkedx', 400, (a, p) => `${R}Transfer-Encoding: chunkedx\r\n\r\n${chunk(reg(a))}${p}`],
  ['two Transfer-Encoding headers', 400, (a, p) => `${R}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n${chunk(reg(a))}${p}`],
  ['header name with a space', 400, (a, p) => `${G}X Forwarded: b\r\n\r\n${p}`],
  ['header name with a non-token character', 400, (a, p) => `${G}X(A): b\r\n\r\n${p}`],
  ['header name with @', 400, (a, p) => `${G}X@A: b\r\n\r\n${p}`],
  ['bare CR inside a header value', 400, (a, p) => `${G}X-A: a\rb\r\n\r\n${p}`],
  ['bare CR inside a header name', 400, (a, p) => `${G}X-\rA: b\r\n\r\n${p}`],
  ['bare CR inside Content-Length', 400, (a, p) => `${R}Content-Length: 1\r2\r\n\r\n${p}`],
  ['two Host headers', 400, (a, p) => `${G}Host: y\r\n\r\n${p}`],
  ['no Host on HTTP/1.1', 400, (a, p) => `GET /health HTTP/1.1\r\n\r\n${p}`],
  ['URL of 16 KiB', 414, (a, p) => `GET /health?${'a'.repeat(16384)} HTTP/1.1\r\nHost: x\r\n\r\n${p}`],
  ['URL one byte over 8 KiB', 414, (a, p) => `GET /${'a'.repeat(8192)} HTTP/1.1\r\nHost: x\r\n\r\n${p}`],
  ['101 header fields', 431, (a, p) => `${G}${Array.from({ length: 100 }, (_, i) => `X-H${i}: v\r\n`).join('')}\r\n${p}`],
  ['a header block over 16 KiB', 431, (a, p) => `${G}X-Big: ${'b'.repeat(17000)}\r\n\r\n${p}`],
];

const ours = { admin: 0, ad: 0 };
for (const [name, status, make] of CASES) {
  for (const listener of ['admin', 'ad']) {
    test(`${listener}: ${name} -> ${status}, closed, nothing after it runs`, async () => {
      const first = `framing-${randomUUID()}@example.com`;
      const second = `smuggled-${randomUUID()}@example.com`;
      const port = listener === 'admin' ? d.adminPort : d.adPort;
      const r = await exchange(port, make(first, planted(second)));
      assert.deepEqual(r.statuses, [status], r.text.slice(0, 300));
      assert.match(r.rs[0].head, /\r\nConnection: close(\r\n|$)/i);
      if (/\r\nContent-Type: application\/json/i.test(r.rs[0].head)) {
        const code = { 400: 'BAD_REQUEST', 414: 'URI_TOO_LONG', 431: 'REQUEST_HEADER_FIELDS_TOO_LARGE' }[status];
        assert.equal(JSON.parse(r.rs[0].body).error.code, code);
        ours[listener]++;
      } else {
        // libmicrohttpd refuses a Content-Length that is not a number itself,
        // before any callback, with its own HTML page
        assert.match(name, /Content-Length/);
      }
      assert.equal(userExists(first), false, 'the refused request registered nobody');
      assert.equal(userExists(second), false, 'the planted request did not run');
    });
  }
}

test('control: the same planted request runs when the first request is well framed', async () => {
  const second = `pipelined-${randomUUID()}@example.com`;
  const r = await exchange(d.adminPort, `${G}\r\n${planted(second)}`);
  assert.deepEqual(r.statuses.slice(0, 2), [200, 201], r.text.slice(0, 300));
  assert.equal(userExists(second), true);
  sql(`DELETE FROM users WHERE email = :'e'`, { e: second });
});

test('a chunked body with the coding named in capitals is framed as chunked, not refused', async () => {
  const a = `chunked-${randomUUID()}@example.com`;
  const r = await exchange(d.adminPort, `${R}Transfer-Encoding: Chunked\r\nConnection: close\r\n\r\n${chunk(reg(a))}`);
  assert.deepEqual(r.statuses, [201], r.text.slice(0, 300));
  assert.equal(userExists(a), true);
  sql(`DELETE FROM users WHERE email = :'e'`, { e: a });
});

test('refusals are counted in /metrics', async () => {
  const m = await request('GET', `${d.adminUrl}/metrics`);
  const n = (l) => Number(new RegExp(`^adserverd_requests_refused_framing_total\\{listener="${l}"\\} (\\d+)$`, 'm').exec(m.text)?.[1]);
  assert.ok(ours.admin >= 20 && n('admin') >= ours.admin, `admin refusals: ${n('admin')} of ${ours.admin}`);
  assert.ok(ours.ad >= 20 && n('ad') >= ours.ad, `ad refusals: ${n('ad')} of ${ours.ad}`);
});

test('a beacon acknowledged before a framing error on its connection is counted once', async () => {
  const user = createUser();
  const { campaignId, creativeId } = createCampaign(user.id);
  const imp = signed({ event: 'impression', asid: randomUUID(), campaignId, creativeId, priceMicros: 5000n });
  const r = await exchange(d.adPort,
    `GET ${imp} HTTP/1.1\r\nHost: x\r\n\r\n` +
    `POST /api/v1/impression HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n` +
    `GET ${imp.replace('impression', 'start')} HTTP/1.1\r\nHost: x\r\n\r\n`);
  assert.deepEqual(r.statuses, [204, 400], r.text.slice(0, 400));
  const drained = await waitFor(() => count(`SELECT count(*) FROM beacon_events WHERE campaign_id = :'c'`, { c: campaignId }) >= 1, 20000);
  assert.ok(drained, 'the acknowledged beacon reached PostgreSQL');
  // give the drain time to (wrongly) add more, then count exactly
  await new Promise((res) => setTimeout(res, 1500));
  assert.equal(count(`SELECT count(*) FROM beacon_events WHERE campaign_id = :'c'`, { c: campaignId }), 1);
  assert.equal(count(`SELECT count(*) FROM impressions WHERE campaign_id = :'c'`, { c: campaignId }), 1);
});
