// Hostile media (tests/fixtures/media/hostile): a truncated file, a file
// with no stream, absurd dimensions, a 10-hour duration header, a codec we
// do not accept, a playlist pointing at a URL. Each upload is accepted (the
// contract refuses by declared type and name only), then processing ends it
// 'failed' with a reason the API shows; the daemon never crashes (ASan
// build), never hangs, never touches the network (a socket the playlist
// points at stays unconnected), and nothing is served or left half-written.
// Then the daemon's RSS while a ladder is transcoded: the work happens in
// child processes, so it stays flat.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startDaemon, createUser, api } from '../lib/harness.mjs';
import { upload, createCampaign, filesUnder, waitForStatus, waitForRenditions, MEDIA } from '../lib/uploads.mjs';

const HOSTILE = path.join(MEDIA, 'hostile');
let d;
let owner;
let campaign;
before(async () => {
  // ASan's quarantine holds freed memory back from reuse (256 MiB by
  // default), which would read as growth: keep it small so RSS shows use.
  d = await startDaemon({ ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0:exitcode=86:quarantine_size_mb=8' });
  owner = createUser();
  campaign = createCampaign(owner.id);
});
after(async () => { await d.stop(); });

function memKiB(pid) {
  const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const get = (k) => Number((s.match(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm')) || [])[1]);
  return { rss: get('VmRSS'), hwm: get('VmHWM') };
}

test('every hostile file ends failed with a reason; nothing fetched, served or left behind', async () => {
  // what the playlist would fetch, were anything fetched: a listener we watch
  let contacted = 0;
  const trap = net.createServer((s) => { contacted++; s.destroy(); });
  await new Promise((res) => trap.listen(0, '127.0.0.1', res));
  const port = trap.address().port;
  const cases = [
    ['truncated-moov-end.mp4', 'video/mp4', /^ffprobe cannot read the file: moov atom not found/],
    ['zero-frames.mp4', 'video/mp4', /^no video stream$/],
    ['absurd-7696x16.mp4', 'video/mp4', /^video size 7696x16 is outside 16x16\.\.7680x4320$/],
    ['ten-hours-header.mp4', 'video/mp4', /^duration 36000\.000 s exceeds 120 seconds$/],
    ['mjpeg-2s-160x90.mov', 'video/quicktime', /^unsupported video codec 'mjpeg'/],
    ['playlist-named.mp4', 'video/mp4', /^a playlist or link to other files, not a video file$/],
  ];
  const ids = [];
  for (const [file, type, reason] of cases) {
    let data = fs.readFileSync(path.join(HOSTILE, file));
    if (file.startsWith('playlist')) data = Buffer.from(data.toString().replace('127.0.0.1:9', `127.0.0.1:${port}`));
    const r = await upload(d, owner.token, campaign, [
      { name: 'video', filename: file, type, data }, { name: 'name', data: `Hostile ${file}` },
    ]);
    assert.equal(r.status, 201, `${file}: ${r.text}`);
    ids.push([r.json.creative.id, file, reason]);
  }
  for (const [id, file, reason] of ids) {
    await waitForStatus(id, 'failed', 60000);
    const m = await api('GET', `${d.adminUrl}/api/v1/creatives/${id}/media`, { token: owner.token });
    assert.equal(m.json.media.state, 'failed', file);
    assert.match(m.json.media.failure_reason, reason, `${file}: ${m.json.media.failure_reason}`);
    assert.deepEqual(m.json.media.renditions, [], `${file}: no rendition planned`);
    assert.equal(m.json.media.hls_master_url, null);
  }
  await new Promise((res) => trap.close(res));
  assert.equal(contacted, 0, 'no tool connected to the URL in the playlist');
  // only the uploads themselves are stored; no rendition, no work directory
  const stored = filesUnder(path.join(d.dataDir, 'media', 'campaigns', campaign, 'creatives'));
  assert.deepEqual(stored.sort(), ids.map(([id, file]) => `${id}${path.extname(file)}`).sort());
  assert.deepEqual(filesUnder(d.dataDir).filter((f) => !f.startsWith('media/') && !f.startsWith('spool')), []);
  assert.match(d.logs(), /"msg":"creative failed processing"/);
});

test('the daemon RSS stays flat while a ladder is transcoded (the work is in child processes)', async () => {
  const base = memKiB(d.pid);
  let peak = base.rss;
  const timer = setInterval(() => { try { peak = Math.max(peak, memKiB(d.pid).rss); } catch { /* gone */ } }, 50);
  const r = await upload(d, owner.token, campaign, [
    { name: 'video', filename: 'demo.mp4', type: 'video/mp4', data: fs.readFileSync(path.join(MEDIA, 'ctv-demo-15s-1280x720.mp4')) },
    { name: 'name', data: 'RSS spot' },
  ]);
  assert.equal(r.status, 201);
  const media = await waitForRenditions(d, owner.token, r.json.creative.id);
  clearInterval(timer);
  assert.deepEqual(media.renditions.map((x) => x.state), ['ready', 'ready', 'ready']);
  const grew = peak - base.rss;
  console.log(`# adserverd RSS while transcoding a 3-rung ladder: before ${(base.rss / 1024).toFixed(1)} MiB, peak sampled ${(peak / 1024).toFixed(1)} MiB (+${(grew / 1024).toFixed(1)} MiB)`);
  // ffmpeg's own frames and lookahead (hundreds of MiB at 720p) never enter the daemon
  assert.ok(grew < 32 * 1024, `RSS grew by ${grew} KiB while transcoding`);
});
