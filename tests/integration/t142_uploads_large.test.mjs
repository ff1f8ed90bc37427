// Large creative uploads: a 200 MB file streams through adserverd into
// storage with flat memory (RSS sampled from /proc while it uploads), the
// size limit answers "File too large" without storing anything, and a
// client that keeps sending far past the limit gets its answer and a closed
// connection instead of an endless drain.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { startDaemon, createUser, sql, request, sleep } from '../lib/harness.mjs';
import { createCampaign, filesUnder, waitForStatus, MEDIA } from '../lib/uploads.mjs';

const MB = 1024 * 1024;

// KiB values of VmRSS / VmHWM of pid.
function memKiB(pid) {
  const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const get = (k) => Number((s.match(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm')) || [])[1]);
  return { rss: get('VmRSS'), hwm: get('VmHWM') };
}

// Stream a multipart upload whose video part is head + filler up to size bytes,
// without holding it in memory. Resolves with { status, json }.
function streamUpload(d, token, campaignId, { size, head = Buffer.alloc(0), name = 'Big one', chunk = 256 * 1024 }) {
  const boundary = `----big-${randomUUID()}`;
  const pre = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n`
    + `${JSON.stringify({ name, duration: 30 })}\r\n--${boundary}\r\n`
    + 'Content-Disposition: form-data; name="video"; filename="big.mp4"\r\nContent-Type: video/mp4\r\n\r\n');
  const post = Buffer.from(`\r\n--${boundary}--\r\n`);
  const filler = Buffer.alloc(chunk, 0x5a);
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port: d.adminPort, method: 'POST', agent: false,
      path: `/api/v1/campaigns/${campaignId}/creatives`,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': `multipart/form-data; boundary=${boundary}`,
        'Content-Length': pre.length + size + post.length },
    }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, json: JSON.parse(text) }));
    });
    req.on('error', reject);
    let sent = 0;
    const pump = () => {
      if (sent === 0) {
        req.write(pre);
        if (head.length) { req.write(head); sent = head.length; }
      }
      while (sent < size) {
        const n = Math.min(filler.length, size - sent);
        sent += n;
        if (!req.write(n === filler.length ? filler : filler.subarray(0, n))) return req.once('drain', pump);
      }
      req.end(post);
      return undefined;
    };
    pump();
  });
}

let owner;
let campaign;
before(async () => {
  owner = createUser();
  campaign = createCampaign(owner.id);
});

// Run fn with a daemon of its own, stopped whatever happens.
async function withDaemon(env, fn) {
  const d = await startDaemon(env);
  try {
    await fn(d);
  } finally {
    await d.stop();
  }
}

test('a 200 MB upload streams to local storage with RSS under 64 MB', () => withDaemon({}, async (d) => {
  const size = 200 * MB;
  // A real MP4 first so processing has something to read, then one 'free' box
  // covering the filler up to the end, so the file stays a well-formed MP4.
  const mp4 = fs.readFileSync(path.join(MEDIA, 'h264-aac-15s-320x180.mp4'));
  const free = Buffer.alloc(8);
  free.writeUInt32BE(size - mp4.length, 0);
  free.write('free', 4, 'latin1');
  const head = Buffer.concat([mp4, free]);
  const base = memKiB(d.pid);
  let peak = base.rss;
  const timer = setInterval(() => { peak = Math.max(peak, memKiB(d.pid).rss); }, 20);
  let r;
  try {
    r = await streamUpload(d, owner.token, campaign, { size, head });
  } finally {
    clearInterval(timer);
  }
  const end = memKiB(d.pid);
  peak = Math.max(peak, end.rss);
  console.log(`# adserverd RSS: before ${(base.rss / 1024).toFixed(1)} MiB, peak sampled ${(peak / 1024).toFixed(1)} MiB, VmHWM ${(end.hwm / 1024).toFixed(1)} MiB (200 MB upload)`);
  assert.equal(r.status, 201, JSON.stringify(r.json));
  assert.equal(r.json.creative.file_size, String(size));
  const stored = path.join(d.dataDir, 'media', 'campaigns', campaign, 'creatives', `${r.json.creative.id}.mp4`);
  assert.equal(fs.statSync(stored).size, size);
  assert.ok(end.hwm < 64 * 1024, `VmHWM ${end.hwm} KiB must stay under 64 MiB`);
  assert.ok(peak < 64 * 1024, `sampled RSS ${peak} KiB must stay under 64 MiB`);
  // The header is a real MP4, the trailing filler is ignored by the prober: active.
  const row = await waitForStatus(r.json.creative.id, 'active', 30000);
  assert.equal(row.duration, '15');
  assert.equal(row.file_size, String(size));
}));

test('past ADSERVERD_UPLOAD_MAX_BYTES: "File too large", nothing stored; at the limit: 201', () => withDaemon({ ADSERVERD_UPLOAD_MAX_BYTES: String(MB) }, async (d) => {
  const media = path.join(d.dataDir, 'media');
  const rows = () => Number(sql(`SELECT count(*) FROM creatives WHERE campaign_id = :'c'`, { c: campaign })[0][0]);
  const before = rows();
  let r = await streamUpload(d, owner.token, campaign, { size: MB + 1 });
  assert.equal(r.status, 400);
  assert.deepEqual(r.json, { error: { message: 'Validation failed', details: [{ field: 'video', message: 'File too large' }] } });
  assert.deepEqual(filesUnder(media), []);
  assert.equal(rows(), before);
  // Well past the limit (but within twice it): still read to the end and answered.
  r = await streamUpload(d, owner.token, campaign, { size: 2 * MB + MB / 2 });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.details[0].message, 'File too large');
  r = await streamUpload(d, owner.token, campaign, { size: MB });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  assert.equal(r.json.creative.file_size, String(MB));
}));

test('a client that keeps sending far past the limit has its connection closed', () => withDaemon({ ADSERVERD_UPLOAD_MAX_BYTES: String(MB) }, async (d) => {
  const boundary = 'xx';
  const total = 256 * MB; // declared; the daemon stops reading after about 3 MiB
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="video"; filename="a.mp4"\r\nContent-Type: video/mp4\r\n\r\n`;
  const sent = await new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port: d.adminPort });
    let n = 0;
    const chunk = Buffer.alloc(256 * 1024, 1);
    const done = () => { s.destroy(); resolve(n); };
    s.setTimeout(20000, done);
    s.on('error', done);
    s.on('close', done);
    s.on('connect', () => {
      s.write(`POST /api/v1/campaigns/${campaign}/creatives HTTP/1.1\r\nHost: x\r\n`
        + `Authorization: Bearer ${owner.token}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\n`
        + `Content-Length: ${total}\r\n\r\n${head}`);
      const pump = () => {
        while (n < total - head.length && !s.destroyed) {
          n += chunk.length;
          if (!s.write(chunk)) { s.once('drain', pump); return; }
        }
      };
      pump();
    });
  });
  assert.ok(sent < 64 * MB, `closed after ${sent} bytes of ${total}`);
  const logged = /"msg":"upload refused and still sending past the limit; connection closed","reason":"File too large"/;
  for (let i = 0; i < 100 && !logged.test(d.logs()); i++) await sleep(20); // stderr may trail the socket
  assert.match(d.logs(), logged);
  assert.deepEqual(filesUnder(path.join(d.dataDir, 'media')), []);
  const ok = await request('GET', `${d.adminUrl}/health`);
  assert.equal(ok.status, 200, 'still serving');
}));

test('the default limit is the contract\'s 500 MiB', () => {
  const out = execFileSync(process.env.ADSERVERD_BIN, ['check-config'], {
    env: { PATH: process.env.PATH, JWT_SECRET: 'x', DATABASE_URL: 'postgres://x@127.0.0.1/x', ASAN_OPTIONS: 'detect_leaks=0' },
    encoding: 'utf8',
  });
  assert.match(out, /^upload_max_bytes = 524288000$/m);
});
