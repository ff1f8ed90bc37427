// ctvctl creatives against a real adserverd: upload of a real MP4 on a
// terminal (progress bar with bytes, rate and ETA on stderr, at most 10
// redraws a second) and --wait until processing made it active; a file
// that is not a video ends failed (exit 1, the processing reason); a 64 MiB
// upload is streamed (ctvctl's peak RSS stays far below the file size);
// every other verb with --json compared with the API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { startDaemon, api, createUser, ROOT } from '../lib/harness.mjs';
import { BIN, ctl, ctlEnv, login, onTty } from '../lib/ctvctl.mjs';

const MEDIA = path.join(ROOT, 'tests/fixtures/media');
const MP4 = path.join(MEDIA, 'ctv-demo-15s-1280x720.mp4');

let d;
let u;
let env;
let campaign;
before(async () => {
  d = await startDaemon();
  u = createUser();
  env = ctlEnv(d.adminUrl);
  await login(env, u.email);
  campaign = (await api('POST', `${d.adminUrl}/api/v1/campaigns`, { token: u.token,
    body: { name: 'Creative tests', budget_total: 1000, start_date: '2026-01-01', end_date: '2027-01-01', cpm_rate: 5 } })).json.campaign.id;
});
after(async () => { await d.stop(); });

const get = async (p) => (await api('GET', `${d.adminUrl}${p}`, { token: u.token })).json;

test('upload a real MP4 on a terminal: progress on stderr, --wait until active', async () => {
  const r = await onTty(['creatives', 'upload', campaign, MP4, '--name', 'Demo spot', '--wait'],
    { env: { ...env, COLUMNS: '100' } });
  assert.equal(r.status, 0, r.out);
  // the bar: bytes of the whole body, percent, rate, ETA
  assert.match(r.out, /\r\[#+\] 100% +\d+\.\d KiB \/ \d+\.\d KiB +\d+(\.\d+)? (B|KiB|MiB|GiB)\/s +ETA \d+:\d\d/);
  assert.match(r.out, /waiting for processing of [0-9a-f-]{36}/);
  const id = /^id +([0-9a-f-]{36})/m.exec(r.out.replace(/\x1b\[[0-9;]*m/g, ''))[1];
  const c = (await get(`/api/v1/creatives/${id}`)).creative;
  assert.equal(c.status, 'active');
  assert.equal(c.name, 'Demo spot');
  assert.equal(c.duration, 15); // measured from the file by processing
  assert.match(r.out, /^status +active/m);
});

test('off a terminal: no progress; --json is the final API answer; -q the id', async () => {
  const r = await ctl(['creatives', 'upload', campaign, path.join(MEDIA, 'h264-aac-10s-320x240.mov'), '--json', '--wait'], { env });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(!r.stderr.includes('\r'), 'no progress bar off a terminal');
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.creative.status, 'active');
  assert.equal(doc.creative.format, 'mov');
  assert.deepEqual(doc, await get(`/api/v1/creatives/${doc.creative.id}`));
  const q = await ctl(['-q', 'creatives', 'upload', campaign, MP4, '--duration', '15'], { env });
  assert.equal(q.status, 0, q.stderr);
  assert.match(q.stdout, /^[0-9a-f-]{36}\n$/);
  assert.equal(q.stderr, '');
  const created = (await get(`/api/v1/creatives/${q.stdout.trim()}`)).creative;
  assert.equal(created.name, 'ctv-demo-15s-1280x720'); // the file name without its extension
});

test('--no-progress on a terminal draws nothing', async () => {
  const r = await onTty(['-q', 'creatives', 'upload', campaign, MP4, '--no-progress'], { env });
  assert.equal(r.status, 0, r.out);
  assert.ok(!r.out.includes('%'), r.out);
});

test('a file that is not a video: uploaded, then failed; --wait exits 1 with the reason', async () => {
  const r = await ctl(['creatives', 'upload', campaign, path.join(MEDIA, 'not-a-video.mp4'), '--wait'], { env });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /^ctvctl: error: creative [0-9a-f-]{36} failed processing: not a video file$/m);
  assert.match(r.stdout, /^status\tfailed$/m);
  const cid = /creative ([0-9a-f-]{36}) failed/.exec(r.stderr)[1];
  const m = await ctl(['creatives', 'media', cid, '--wait'], { env });
  assert.equal(m.status, 1);
  assert.match(m.stderr, /^ctvctl: error: creative [0-9a-f-]{36} failed processing: not a video file$/m);
});

test('upload errors: bad extension exit 5 with the API detail; missing file exit 1; foreign campaign 4', async () => {
  const txt = path.join(env.HOME, 'clip.txt');
  fs.copyFileSync(MP4, txt);
  const ext = await ctl(['creatives', 'upload', campaign, txt, '--content-type', 'video/mp4'], { env });
  assert.equal(ext.status, 5, ext.stderr);
  assert.match(ext.stderr, /^ctvctl: error: File validation failed$/m);
  assert.match(ext.stderr, /^ {2}Invalid file extension\. Only mp4, mov, and avi are allowed\.$/m);
  const type = await ctl(['creatives', 'upload', campaign, txt], { env });
  assert.equal(type.status, 5);
  assert.match(type.stderr, /video: Only video files \(MP4, MOV, AVI\) are allowed/);
  const meta = await ctl(['creatives', 'upload', campaign, MP4, '--name', 'ab'], { env });
  assert.equal(meta.status, 5);
  assert.match(meta.stderr, /name: Creative name must be at least 3 characters long/);
  const none = await ctl(['creatives', 'upload', campaign, '/nonexistent.mp4'], { env });
  assert.equal(none.status, 1);
  assert.match(none.stderr, /^ctvctl: error: \/nonexistent\.mp4: No such file or directory$/m);
  const other = createUser();
  const theirs = (await api('POST', `${d.adminUrl}/api/v1/campaigns`, { token: other.token,
    body: { name: 'Not yours', budget_total: 10, start_date: '2026-01-01', end_date: '2026-02-01', pricing_model: 'flat' } })).json.campaign.id;
  const foreign = await ctl(['creatives', 'upload', theirs, MP4], { env });
  assert.equal(foreign.status, 4);
  assert.match(foreign.stderr, /Campaign not found or you do not have permission/);
});

test('a 64 MiB upload is streamed: progress at most 10 Hz, RSS far below the file size', async () => {
  const big = path.join(env.HOME, 'big.mp4');
  const mp4 = fs.readFileSync(MP4);
  const fd = fs.openSync(big, 'w');
  fs.writeSync(fd, mp4);
  fs.ftruncateSync(fd, 64 * 1024 * 1024); // a real MP4 head, zero padded
  fs.closeSync(fd);
  // on a terminal: count redraws against the time taken
  const t0 = Date.now();
  const tty = await onTty(['creatives', 'upload', campaign, big, '--timeout', '120'], { env: { ...env, COLUMNS: '90' } });
  const secs = (Date.now() - t0) / 1000;
  assert.equal(tty.status, 0, tty.out.slice(-2000));
  const draws = (tty.out.match(/\r\[/g) || []).length;
  assert.ok(draws >= 2, `drew ${draws} times`);
  assert.ok(draws <= Math.ceil(secs * 10) + 2, `drew ${draws} times in ${secs} s`);
  assert.match(tty.out, /64\.0 MiB \/ 64\.0 MiB/);
  for (const line of tty.out.split('\r')) assert.ok(line.replace(/\n.*/s, '').length <= 90, `too wide: ${line}`);
  // off a terminal, sample ctvctl's resident memory while it sends
  const child = spawn(BIN, ['-q', 'creatives', 'upload', campaign, big], {
    env: { PATH: process.env.PATH, ASAN_OPTIONS: 'detect_leaks=0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let peak = 0;
  const timer = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]));
    } catch { /* exited */ }
  }, 5);
  const code = await new Promise((res) => child.on('close', res));
  clearInterval(timer);
  assert.equal(code, 0);
  console.log(`# ctvctl VmHWM during a 64 MiB upload (ASan build): ${(peak / 1024).toFixed(1)} MiB, ${draws} redraws in ${secs.toFixed(2)} s`);
  assert.ok(peak > 0 && peak < 48 * 1024, `peak RSS ${peak} kB`);
});

test('list, get, update, status, stats, media, delete: --json equals the API', async () => {
  const id = (await ctl(['-q', 'creatives', 'upload', campaign, MP4, '--wait'], { env })).stdout.trim();
  const list = await ctl(['creatives', 'list', campaign, '--json'], { env });
  assert.deepEqual(JSON.parse(list.stdout), await get(`/api/v1/campaigns/${campaign}/creatives`));
  const ids = (await ctl(['-q', 'creatives', 'list', campaign], { env })).stdout.trim().split('\n');
  assert.ok(ids.includes(id));
  const failedOnly = (await ctl(['-q', 'creatives', 'list', campaign, '--status', 'failed'], { env })).stdout.trim().split('\n');
  assert.ok(!failedOnly.includes(id) && failedOnly.length >= 1);
  const g = await ctl(['creatives', 'get', id, '--json'], { env });
  assert.deepEqual(JSON.parse(g.stdout), await get(`/api/v1/creatives/${id}`));
  const up = await ctl(['creatives', 'update', id, '--name', 'Renamed spot', '--json'], { env });
  assert.equal(JSON.parse(up.stdout).creative.name, 'Renamed spot');
  const st = await ctl(['creatives', 'status', id, 'inactive', '--json'], { env });
  assert.equal(JSON.parse(st.stdout).creative.status, 'inactive');
  const bad = await ctl(['creatives', 'status', id, 'processing'], { env });
  assert.equal(bad.status, 5);
  assert.match(bad.stderr, /Invalid status. Must be either active or inactive/);
  const stats = await ctl(['creatives', 'stats', id, '--json'], { env });
  assert.deepEqual(JSON.parse(stats.stdout), await get(`/api/v1/creatives/${id}/stats`));
  // --wait: until the whole ladder is made (the answer is stable after it).
  const media = await ctl(['creatives', 'media', id, '--wait', '--json'], { env, timeout: 240000 });
  assert.equal(media.status, 0, media.stderr);
  assert.deepEqual(JSON.parse(media.stdout), await get(`/api/v1/creatives/${id}/media`));
  assert.deepEqual(JSON.parse(media.stdout).media.renditions.map((x) => [x.rung, x.state]),
    [['360p', 'ready'], ['480p', 'ready'], ['720p', 'ready']]);
  const mediaTsv = await ctl(['creatives', 'media', id], { env });
  assert.match(mediaTsv.stdout, /^state\tready$/m);
  // the ladder as a table below the measured values (tab-separated off a terminal, no header)
  assert.match(mediaTsv.stdout, /^720p\tready\t1280\t720\t\d+\tavc1\.64[0-9A-F]{4}\tmp4a\.40\.2\t\d+\t$/m);
  assert.equal((await ctl(['-q', 'creatives', 'media', id], { env })).stdout, 'ready\n');
  const del = await ctl(['creatives', 'delete', id], { env });
  assert.equal(del.status, 0, del.stderr);
  assert.match(del.stderr, /deleted/);
  assert.equal((await ctl(['creatives', 'get', id], { env })).status, 4);
});
