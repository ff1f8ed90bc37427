// Creative upload (docs/admin-api.md), presigned
// upload URLs (3.4.8, item 14), creative processing (5.1, done for real
// here) and the ad listener's /media route, against a real adserverd with
// the local storage backend, real PostgreSQL and the test s3rver.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { startDaemon, request, rawRequest, api, createUser, sql, sleep } from '../lib/harness.mjs';
import { form, upload, createCampaign, filesUnder, waitForStatus, waitForRenditions, s3ObjectPath, presignedSignatureValid, MEDIA } from '../lib/uploads.mjs';

const BUCKET = process.env.S3_BUCKET_NAME || 'ctv-ad-server-creatives';
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const ROW_KEYS = ['id', 'campaign_id', 'name', 'video_url', 'duration', 'file_size', 'width',
  'height', 'format', 'status', 'uploaded_by', 'created_at', 'updated_at', 'processing_message'];

let d;
let owner;
let other;
let campaign;
let foreign;
before(async () => {
  d = await startDaemon({ ADSERVERD_PUBLIC_URL: 'http://ads.example.test:8080/' });
  owner = createUser();
  other = createUser();
  campaign = createCampaign(owner.id);
  foreign = createCampaign(other.id);
});
after(async () => { await d.stop(); });

const mediaDir = () => path.join(d.dataDir, 'media');
const rowCount = (cid) => Number(sql(`SELECT count(*) FROM creatives WHERE campaign_id = :'c'`, { c: cid })[0][0]);

test('the contract compatibility upload: 30-byte text named .mp4 -> 201 with exact types, then failed', async () => {
  const bytes = fs.readFileSync(path.join(MEDIA, 'not-a-video.mp4'));
  assert.equal(bytes.length, 30);
  const r = await upload(d, owner.token, campaign, [
    { name: 'video', filename: 'test-creative-video.mp4', type: 'video/mp4', data: bytes },
    { name: 'metadata', data: JSON.stringify({ name: 'Test Creative', duration: 30, width: 1920, height: 1080 }) },
  ]);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.message, 'Creative uploaded successfully');
  const c = r.json.creative;
  assert.deepEqual(Object.keys(c), ROW_KEYS);
  assert.match(c.id, UUID_V4);
  assert.equal(c.campaign_id, campaign);
  assert.equal(c.name, 'Test Creative');
  assert.equal(c.duration, 30);
  assert.equal(c.width, 1920);
  assert.equal(c.height, 1080);
  assert.equal(c.file_size, '30');
  assert.equal(c.format, 'mp4');
  assert.equal(c.status, 'processing');
  assert.equal(c.uploaded_by, owner.id);
  assert.match(c.created_at, ISO);
  assert.match(c.updated_at, ISO);
  assert.equal(c.processing_message, 'Video is being processed and will be ready shortly');
  // video_url outside production: literally localhost:4566/<bucket>/<key>, key per the contract.
  assert.ok(c.video_url.includes('localhost:4566'));
  assert.equal(c.video_url, `http://localhost:4566/${BUCKET}/campaigns/${campaign}/creatives/${c.id}.mp4`);
  // The bytes are stored under the key, in the local media directory.
  const stored = path.join(mediaDir(), 'campaigns', campaign, 'creatives', `${c.id}.mp4`);
  assert.deepEqual(fs.readFileSync(stored), bytes);
  // Processing reads the bytes: not a video, so the creative ends failed, with the reason kept.
  const row = await waitForStatus(c.id, 'failed');
  assert.equal(row.duration, '30', 'the declared row is left as it was');
  const m = await api('GET', `${d.adminUrl}/api/v1/creatives/${c.id}/media`, { token: owner.token });
  assert.equal(m.status, 200);
  assert.equal(m.json.media.state, 'failed');
  assert.equal(m.json.media.failure_reason, 'not a video file');
  assert.equal(m.json.media.declared_type, 'video/mp4');
  assert.equal(m.json.media.mime, null);
  assert.match(d.logs(), /"msg":"creative failed processing","creative":"[0-9a-f-]+","reason":"not a video file"/);
});

test('real videos become active with duration, size and bytes read from the file', async () => {
  const cases = [
    // file, declared type, declared metadata, expected after processing
    ['h264-aac-15s-320x180.mp4', 'video/mp4', { name: 'H264 spot', duration: 30, width: 1920, height: 1080 }, { duration: 15, width: 320, height: 180, mime: 'video/mp4' }],
    ['h264-aac-10s-320x240.mov', 'video/quicktime', { name: 'QuickTime spot' }, { duration: 10, width: 320, height: 240, mime: 'video/quicktime' }],
    ['mpeg4-mp3-12s-320x240.avi', 'video/x-msvideo', { name: 'AVI spot', duration: 12 }, { duration: 12, width: 320, height: 240, mime: 'video/x-msvideo' }],
    ['h264-10s-320x180-portrait.mp4', 'video/mp4', { name: 'Portrait spot', duration: 10 }, { duration: 10, width: 180, height: 320, mime: 'video/mp4' }],
    // WebM is accepted besides the contract's three (VP9/Opus and VP8/Vorbis).
    ['vp9-opus-4s-320x180.webm', 'video/webm', { name: 'WebM VP9 spot', duration: 4 }, { duration: 4, width: 320, height: 180, mime: 'video/webm' }],
    ['vp8-vorbis-4s-320x180.webm', 'video/webm', { name: 'WebM VP8 spot', duration: 4 }, { duration: 4, width: 320, height: 180, mime: 'video/webm' }],
  ];
  for (const [file, type, meta, want] of cases) {
    const bytes = fs.readFileSync(path.join(MEDIA, file));
    const r = await upload(d, owner.token, campaign, [
      { name: 'metadata', data: JSON.stringify(meta) },
      { name: 'video', filename: file, type, data: bytes },
    ]);
    assert.equal(r.status, 201, `${file}: ${r.text}`);
    assert.equal(r.json.creative.status, 'processing');
    assert.equal(r.json.creative.duration, meta.duration ?? 30, 'the 201 echoes the declared duration (default 30)');
    const row = await waitForStatus(r.json.creative.id, 'active');
    assert.equal(Number(row.duration), want.duration, file);
    assert.equal(Number(row.width), want.width, file);
    assert.equal(Number(row.height), want.height, file);
    assert.equal(Number(row.file_size), bytes.length, file);
    const g = await api('GET', `${d.adminUrl}/api/v1/creatives/${r.json.creative.id}`, { token: owner.token });
    assert.equal(g.json.creative.status, 'active');
    assert.equal(g.json.creative.duration, want.duration);
    assert.equal(g.json.creative.width, want.width);
    const m = await api('GET', `${d.adminUrl}/api/v1/creatives/${r.json.creative.id}/media`, { token: owner.token });
    assert.equal(m.json.media.state, 'ready');
    assert.equal(m.json.media.mime, want.mime);
    assert.equal(m.json.media.failure_reason, null);
    assert.equal(m.json.media.file_size, String(bytes.length));
    assert.ok(Number(m.json.media.duration_ms) > want.duration * 1000 - 500);
    assert.equal(m.json.media.media_url,
      `http://ads.example.test:8080/media/campaigns/${campaign}/creatives/${r.json.creative.id}.${path.extname(file).slice(1)}`);
  }
  assert.match(d.logs(), /"msg":"creative metadata corrected from the file"/);
});

test('a container without a video track ends failed with a reason', async () => {
  const r = await upload(d, owner.token, campaign, [
    { name: 'video', filename: 'audio-only.mp4', type: 'video/mp4', data: fs.readFileSync(path.join(MEDIA, 'aac-10s.m4a')) },
    { name: 'name', data: 'Audio only' },
  ]);
  assert.equal(r.status, 201);
  await waitForStatus(r.json.creative.id, 'failed');
  const [[reason]] = sql(`SELECT failure_reason FROM creative_media WHERE creative_id = :'id'`, { id: r.json.creative.id });
  assert.match(reason, /video/);
});

test('checks run in the contract order 1-9 with the exact bodies, and nothing is stored', async () => {
  const before = filesUnder(mediaDir()).length;
  const rowsBefore = rowCount(campaign) + rowCount(foreign);
  const vid = { name: 'video', filename: 'a.mp4', type: 'video/mp4', data: Buffer.from('0123456789') };
  const meta = (m) => ({ name: 'metadata', data: typeof m === 'string' ? m : JSON.stringify(m) });
  const C = (field, message) => ({ error: { message: 'Validation failed', details: [{ field, message }] } });
  const bad = form([{ ...vid, type: 'text/plain' }]);
  // 1. auth before everything
  let r = await request('POST', `${d.adminUrl}/api/v1/campaigns/not-a-uuid/creatives`, { headers: { 'Content-Type': bad.contentType }, body: bad.body });
  assert.equal(r.status, 401);
  assert.deepEqual(r.json, { error: { message: 'Authorization token required', code: 'MISSING_TOKEN' } });
  // 2. campaignId format before the body
  r = await request('POST', `${d.adminUrl}/api/v1/campaigns/not-a-uuid/creatives`, { headers: { Authorization: `Bearer ${owner.token}`, 'Content-Type': bad.contentType }, body: bad.body });
  assert.equal(r.status, 400);
  assert.deepEqual(Object.keys(r.json.error), ['message', 'code', 'requestId']);
  assert.equal(r.json.error.message, 'Invalid campaignId format');
  assert.equal(r.json.error.code, 'INVALID_UUID_FORMAT');
  assert.equal(r.json.error.requestId, r.headers['x-request-id']);
  const cases = [
    // 3. multipart limits, on the foreign campaign too (ownership is checked last)
    [foreign, [{ ...vid, type: 'text/plain' }, meta('{bad')], C('video', 'Only video files (MP4, MOV, AVI) are allowed')],
    [campaign, [{ ...vid, type: 'application/octet-stream', filename: 'a.txt' }], C('video', 'Only video files (MP4, MOV, AVI) are allowed')],
    [campaign, [{ ...vid, name: 'image' }], C('video', 'Unexpected field')],
    [campaign, [{ ...vid, name: 'image', type: 'text/plain' }], C('video', 'Unexpected field')],
    [campaign, [vid, { ...vid, filename: 'b.mp4' }], C('video', 'Too many files')],
    [campaign, [vid, { ...vid, name: 'other', type: 'text/plain' }], C('video', 'Too many files')],
    // 4. no file
    [foreign, [meta({ name: 'No file' })], C('video', 'Video file is required')],
    [campaign, [{ ...vid, filename: '' }], C('video', 'Video file is required')],
    // 5. extension (details are strings), before metadata
    [foreign, [{ ...vid, filename: 'clip.mkv' }, meta('{bad')], { error: { message: 'File validation failed', details: ['Invalid file extension. Only mp4, mov, and avi are allowed.'] } }],
    [campaign, [{ ...vid, filename: 'mp4' }], { error: { message: 'File validation failed', details: ['Invalid file extension. Only mp4, mov, and avi are allowed.'] } }],
    // 6. metadata JSON, before validation and ownership
    [foreign, [vid, meta('{"name": "x",}')], { error: { message: 'Invalid metadata format', details: [{ field: 'metadata', message: 'Must be valid JSON' }] } }],
    // 7. metadata validation (format C, first failure), before ownership
    [foreign, [vid, meta({})], C('name', 'Creative name is required')],
    [campaign, [vid, meta({ name: 'ab' })], C('name', 'Creative name must be at least 3 characters long')],
    [campaign, [vid, meta({ name: 'x'.repeat(256) })], C('name', 'Creative name cannot exceed 255 characters')],
    [campaign, [vid, meta({ name: 'Long one', duration: 121 })], C('duration', 'Duration cannot exceed 120 seconds')],
    [campaign, [vid, meta({ name: 'Fractional', duration: 1.5 })], C('duration', '"duration" must be an integer')],
    [campaign, [vid, meta({ name: 'Bad width', width: -5 })], C('width', 'Width must be positive')],
    [campaign, [vid, meta({ name: 'Unknown key', codec: 'h264' })], C('codec', '"codec" is not allowed')],
    [campaign, [vid, { name: 'name', data: 'Sep' }, { name: 'duration', data: 'abc' }], C('duration', '"duration" must be a number')],
    [campaign, [vid, { name: 'duration', data: '10' }], C('name', 'Creative name is required')],
    // 8. ownership last: foreign and missing campaigns are the same 404
    [foreign, [vid, meta({ name: 'Foreign' })], { error: { message: 'Campaign not found or you do not have permission', code: 'CAMPAIGN_NOT_FOUND' } }],
    [randomUUID(), [vid, meta({ name: 'Missing' })], { error: { message: 'Campaign not found or you do not have permission', code: 'CAMPAIGN_NOT_FOUND' } }],
  ];
  for (const [cid, parts, want] of cases) {
    const res = await upload(d, owner.token, cid, parts);
    const label = JSON.stringify(parts.map((p) => [p.name, p.filename, p.type, String(p.data).slice(0, 20)]));
    assert.equal(res.status, want.error.code === 'CAMPAIGN_NOT_FOUND' ? 404 : 400, label);
    assert.deepEqual(res.json, want, label);
  }
  // Not multipart at all: the file is missing.
  for (const [ct, body] of [['application/json', '{"name":"json"}'], ['text/plain', 'hello'], [undefined, undefined]]) {
    const headers = { Authorization: `Bearer ${owner.token}` };
    if (ct) headers['Content-Type'] = ct;
    const res = await request('POST', `${d.adminUrl}/api/v1/campaigns/${campaign}/creatives`, { headers, body });
    assert.equal(res.status, 400);
    assert.deepEqual(res.json, C('video', 'Video file is required'));
  }
  // Broken multipart: the parser's own texts, still format C on field video.
  for (const [ct, body, message] of [
    ['multipart/form-data', '--x--', 'Multipart: Boundary not found'],
    ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="video"; filename="a.mp4"\r\nContent-Type: video/mp4\r\n\r\nabc', 'Unexpected end of form'],
    ['multipart/form-data; boundary=x', '--x\r\nthis is no header\r\n\r\nabc\r\n--x--', 'Malformed part header'],
  ]) {
    const res = await request('POST', `${d.adminUrl}/api/v1/campaigns/${campaign}/creatives`, { headers: { Authorization: `Bearer ${owner.token}`, 'Content-Type': ct }, body });
    assert.equal(res.status, 400, message);
    assert.deepEqual(res.json, C('video', message));
  }
  assert.equal(filesUnder(mediaDir()).length, before, 'no object (or temporary file) left behind');
  assert.equal(rowCount(campaign) + rowCount(foreign), rowsBefore, 'no row created');
});

test('a client that disconnects in the middle of the file leaves nothing behind', async () => {
  const before = filesUnder(mediaDir());
  const rows = rowCount(campaign);
  const boundary = 'cut';
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="video"; filename="a.mp4"\r\nContent-Type: video/mp4\r\n\r\n`;
  await new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port: d.adminPort });
    s.on('error', resolve);
    s.on('close', resolve);
    s.on('connect', () => {
      s.write(`POST /api/v1/campaigns/${campaign}/creatives HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${owner.token}\r\n`
        + `Content-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: 10000000\r\n\r\n${head}`);
      s.write(Buffer.alloc(3 * 1024 * 1024, 7), () => setTimeout(() => s.destroy(), 200));
    });
  });
  // The temporary file beside the key goes when the daemon sees the connection end.
  const until = Date.now() + 5000;
  while (filesUnder(mediaDir()).length !== before.length && Date.now() < until) await sleep(50);
  assert.deepEqual(filesUnder(mediaDir()), before);
  assert.equal(rowCount(campaign), rows);
});

test('metadata part wins over separate fields; separate fields convert like JSON numbers', async () => {
  const vid = { name: 'video', filename: 'clip.MP4', type: 'video/mp4', data: fs.readFileSync(path.join(MEDIA, 'h264-aac-15s-320x180.mp4')) };
  let r = await upload(d, owner.token, campaign, [
    { name: 'name', data: 'From fields' }, vid, { name: 'metadata', data: '{"name":"From JSON","duration":"20"}' },
  ]);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.creative.name, 'From JSON');
  assert.equal(r.json.creative.duration, 20);
  assert.equal(r.json.creative.format, 'mp4', 'format is the lower-cased extension');
  assert.ok(r.json.creative.video_url.endsWith(`${r.json.creative.id}.MP4`), 'the key keeps the extension as sent');
  r = await upload(d, owner.token, campaign, [
    vid, { name: 'name', data: 'Separate fields' }, { name: 'duration', data: '12' }, { name: 'width', data: '640' }, { name: 'height', data: '360' }, { name: 'ignored', data: 'x' },
  ]);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.creative.name, 'Separate fields');
  assert.strictEqual(r.json.creative.duration, 12);
  assert.strictEqual(r.json.creative.width, 640);
  assert.strictEqual(r.json.creative.height, 360);
  await waitForStatus(r.json.creative.id, 'active');
});

test('the rendition ladder on local storage: measured MP4 and HLS, served by the ad listener, deleted with the creative', async () => {
  const r = await upload(d, owner.token, campaign, [
    { name: 'video', filename: 'ladder.mp4', type: 'video/mp4', data: fs.readFileSync(path.join(MEDIA, 'h264-aac-15s-320x180.mp4')) },
    { name: 'name', data: 'Ladder spot' },
  ]);
  assert.equal(r.status, 201);
  const id = r.json.creative.id;
  await waitForStatus(id, 'active', 120000);
  const media = await waitForRenditions(d, owner.token, id);
  // A 320x180 source is below every rung: one rendition at its own size, no upscale.
  assert.equal(media.renditions.length, 1);
  const x = media.renditions[0];
  assert.deepEqual([x.rung, x.state, x.target_width, x.target_height, x.width, x.height], ['360p', 'ready', 320, 180, 320, 180]);
  assert.ok(x.bitrate_kbps > 0, 'bitrate measured on the output');
  assert.ok(Number(x.encode_ms) > 0);
  assert.equal(x.failure_reason, null);
  const stem = `campaigns/${campaign}/creatives/${id}`;
  assert.equal(x.mp4_url, `http://ads.example.test:8080/media/${stem}/360p.mp4`);
  assert.equal(media.hls_master_url, `http://ads.example.test:8080/media/${stem}/hls/master.m3u8`);
  const get = (key) => request('GET', `${d.adUrl}/media/${key}`);
  const mp4 = await get(`${stem}/360p.mp4`);
  assert.equal(mp4.status, 200);
  assert.equal(mp4.headers['content-type'], 'video/mp4');
  assert.equal(mp4.body.length, Number(x.file_size));
  const master = await get(`${stem}/hls/master.m3u8`);
  assert.equal(master.status, 200);
  assert.equal(master.headers['content-type'], 'application/vnd.apple.mpegurl');
  assert.match(master.body.toString(), /#EXT-X-STREAM-INF:BANDWIDTH=\d+,AVERAGE-BANDWIDTH=\d+,RESOLUTION=320x180,CODECS="avc1\.64[0-9A-F]{4},mp4a\.40\.2"\n360p\/index\.m3u8\n/);
  const pl = await get(`${stem}/hls/360p/index.m3u8`);
  assert.equal(pl.headers['content-type'], 'application/vnd.apple.mpegurl');
  const segs = pl.body.toString().match(/^seg_\d{3}\.ts$/gm);
  assert.equal(segs.length, x.hls_segments);
  const seg = await get(`${stem}/hls/360p/${segs[0]}`);
  assert.equal(seg.status, 200);
  assert.equal(seg.headers['content-type'], 'video/mp2t');
  assert.equal(seg.body[0], 0x47, 'an MPEG-TS sync byte');
  // Deleting the creative removes the upload and every rendition object.
  const del = await api('DELETE', `${d.adminUrl}/api/v1/creatives/${id}`, { token: owner.token });
  assert.equal(del.status, 200);
  assert.deepEqual(filesUnder(path.join(mediaDir(), stem)), []);
  assert.equal(fs.existsSync(path.join(mediaDir(), `${stem}.mp4`)), false);
});

test('the media route serves stored creatives with ranges, validators and the type read from the bytes', async () => {
  const bytes = fs.readFileSync(path.join(MEDIA, 'h264-aac-15s-320x180.mp4'));
  // Declared as QuickTime and named .mov: the type served comes from the bytes (MP4).
  const r = await upload(d, owner.token, campaign, [
    { name: 'video', filename: 'spot.mov', type: 'video/quicktime', data: bytes }, { name: 'name', data: 'Served spot' },
  ]);
  assert.equal(r.status, 201);
  const id = r.json.creative.id;
  await waitForStatus(id, 'active');
  const key = `campaigns/${campaign}/creatives/${id}.mov`;
  const url = `${d.adUrl}/media/${key}`;
  let g = await request('GET', url);
  assert.equal(g.status, 200);
  assert.deepEqual(g.body, bytes);
  assert.equal(g.headers['content-type'], 'video/mp4');
  assert.equal(g.headers['accept-ranges'], 'bytes');
  assert.equal(g.headers['content-length'], String(bytes.length));
  assert.match(g.headers.etag, /^"[0-9a-f]+-[0-9a-f]+"$/);
  assert.ok(g.headers['last-modified']);
  assert.match(g.headers['cache-control'], /max-age=/);
  assert.equal(g.headers['x-content-type-options'], 'nosniff');
  assert.equal(g.headers['cross-origin-resource-policy'], undefined, 'media loads cross-origin');
  const etag = g.headers.etag;
  // Single ranges: bounded, open-ended, suffix, clipped past the end.
  for (const [range, start, end] of [['bytes=0-99', 0, 99], ['bytes=1000-', 1000, bytes.length - 1],
    ['bytes=-500', bytes.length - 500, bytes.length - 1], [`bytes=100-${bytes.length + 1000}`, 100, bytes.length - 1],
    ['bytes=0-0', 0, 0]]) {
    g = await request('GET', url, { headers: { Range: range } });
    assert.equal(g.status, 206, range);
    assert.equal(g.headers['content-range'], `bytes ${start}-${end}/${bytes.length}`, range);
    assert.equal(g.headers['content-length'], String(end - start + 1), range);
    assert.deepEqual(g.body, bytes.subarray(start, end + 1), range);
    assert.equal(g.headers['content-type'], 'video/mp4');
  }
  // Unsatisfiable: 416 with the size.
  for (const range of [`bytes=${bytes.length}-`, 'bytes=-0', `bytes=${bytes.length + 5}-${bytes.length + 10}`]) {
    g = await request('GET', url, { headers: { Range: range } });
    assert.equal(g.status, 416, range);
    assert.equal(g.headers['content-range'], `bytes */${bytes.length}`, range);
  }
  // Several ranges, malformed ranges, other units: the whole file.
  for (const range of ['bytes=0-1,5-6', 'bytes=5-2', 'items=0-1', 'bytes=abc']) {
    g = await request('GET', url, { headers: { Range: range } });
    assert.equal(g.status, 200, range);
    assert.equal(g.body.length, bytes.length, range);
  }
  // If-Range with another validator: the whole file; with ours: the range.
  g = await request('GET', url, { headers: { Range: 'bytes=0-9', 'If-Range': '"other"' } });
  assert.equal(g.status, 200);
  g = await request('GET', url, { headers: { Range: 'bytes=0-9', 'If-Range': etag } });
  assert.equal(g.status, 206);
  // Conditional GET.
  g = await request('GET', url, { headers: { 'If-None-Match': etag } });
  assert.equal(g.status, 304);
  assert.equal(g.body.length, 0);
  // HEAD: the headers, no body.
  g = await request('HEAD', url, { headers: { Range: 'bytes=10-19' } });
  assert.equal(g.status, 206);
  assert.equal(g.headers['content-length'], '10');
  assert.equal(g.body.length, 0);
  // Cross-origin players: any Origin is echoed.
  g = await request('GET', url, { headers: { Origin: 'https://player.example', Range: 'bytes=0-1' } });
  assert.equal(g.headers['access-control-allow-origin'], 'https://player.example');
  // Keys that are not a creative's, or not keys at all: 404 (format E), nothing read.
  fs.writeFileSync(path.join(mediaDir(), 'stray.mp4'), bytes);
  for (const p of ['/media/stray.mp4', `/media/campaigns/${campaign}/creatives/${randomUUID()}.mp4`,
    '/media/..%2f..%2fetc%2fpasswd', `/media/campaigns/${campaign}//creatives/${id}.mov`,
    `/media/${key}/`, '/media/', `/media/${key.toUpperCase()}`]) {
    g = await request('GET', `${d.adUrl}${p}`);
    assert.equal(g.status, 404, p);
    assert.equal(g.json.error.code, 'ROUTE_NOT_FOUND', p);
  }
  // Dot segments sent literally (clients normalise them, so over a raw socket).
  for (const p of [`/media/campaigns/${campaign}/creatives/../creatives/${id}.mov`,
    `/media/campaigns/${campaign}/creatives/%2e%2e/creatives/${id}.mov`, '/media/../../../etc/passwd',
    `/media/./${key}`]) {
    const raw = await rawRequest(d.adPort, `GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    assert.match(raw, /^HTTP\/1\.1 404 /, p);
  }
  // Not on the admin listener.
  g = await request('GET', `${d.adminUrl}/media/${key}`);
  assert.equal(g.status, 404);
  // A deleted creative's file stops being served within a rebuild of the index.
  const del = await api('DELETE', `${d.adminUrl}/api/v1/creatives/${id}`, { token: owner.token });
  assert.equal(del.status, 200);
  const until = Date.now() + 12000;
  for (;;) {
    g = await request('GET', url);
    if (g.status === 404 || Date.now() > until) break;
    await sleep(200);
  }
  assert.equal(g.status, 404);
});

test('a failed creative is still served, typed as unknown bytes; a creative inserted directly is served once indexed', async () => {
  const r = await upload(d, owner.token, campaign, [
    { name: 'video', filename: 'x.mp4', type: 'video/mp4', data: fs.readFileSync(path.join(MEDIA, 'not-a-video.mp4')) },
    { name: 'name', data: 'Broken' },
  ]);
  await waitForStatus(r.json.creative.id, 'failed');
  const g = await request('GET', `${d.adUrl}/media/campaigns/${campaign}/creatives/${r.json.creative.id}.mp4`);
  assert.equal(g.status, 200);
  assert.equal(g.headers['content-type'], 'application/octet-stream');
  // A row made without the upload route (like the demo seed) whose video_url is our /media URL.
  const key = `demo/${randomUUID()}.mp4`;
  fs.mkdirSync(path.join(mediaDir(), 'demo'), { recursive: true });
  fs.copyFileSync(path.join(MEDIA, 'h264-aac-10s-320x240.mov'), path.join(mediaDir(), key));
  sql(`INSERT INTO creatives (campaign_id, name, video_url, duration, format, status, uploaded_by)
       VALUES (:'c', 'Seeded', :'u', 10, 'mov', 'active', :'o')`,
  { c: campaign, u: `http://ads.example.test:8080/media/${key}`, o: owner.id });
  const until = Date.now() + 12000;
  let s;
  for (;;) {
    s = await request('GET', `${d.adUrl}/media/${key}`, { headers: { Range: 'bytes=0-3' } });
    if (s.status === 206 || Date.now() > until) break;
    await sleep(200);
  }
  assert.equal(s.status, 206);
  assert.equal(s.headers['content-type'], 'video/quicktime', 'probed from the bytes');
});

test('upload-url: required parameters first, then ownership; a presigned PUT that s3rver accepts', async () => {
  const url = (cid) => `${d.adminUrl}/api/v1/campaigns/${cid}/creatives/upload-url`;
  const missing = { error: { message: 'fileName and contentType are required', code: 'MISSING_PARAMETERS' } };
  for (const body of [{}, { fileName: 'a.mp4' }, { contentType: 'video/mp4' }, { fileName: '', contentType: 'video/mp4' },
    { fileName: 'a.mp4', contentType: '' }, { fileName: null, contentType: 'video/mp4' }, { fileName: 0, contentType: 'video/mp4' }]) {
    const r = await api('POST', url(foreign), { token: owner.token, body });
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.deepEqual(r.json, missing, JSON.stringify(body));
  }
  let r = await api('POST', url(foreign), { token: owner.token, body: { fileName: 'a.mp4', contentType: 'video/mp4' } });
  assert.equal(r.status, 404);
  assert.deepEqual(r.json, { error: { message: 'Campaign not found or you do not have permission', code: 'CAMPAIGN_NOT_FOUND' } });
  r = await api('POST', url('bad-id'), { token: owner.token, body: { fileName: 'a.mp4', contentType: 'video/mp4' } });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.code, 'INVALID_UUID_FORMAT');
  r = await api('POST', url(campaign), { body: { fileName: 'a.mp4', contentType: 'video/mp4' } });
  assert.equal(r.status, 401);
  for (const fileName of ['../x.mp4', 'a/b.mp4', 'a\\b.mp4', '..', 'tab\there.mp4', 'x'.repeat(256)]) {
    r = await api('POST', url(campaign), { token: owner.token, body: { fileName, contentType: 'video/mp4' } });
    assert.equal(r.status, 400, fileName);
    assert.equal(r.json.error.code, 'INVALID_FILE_NAME', fileName);
  }
  const rows = rowCount(campaign);
  r = await api('POST', url(campaign), { token: owner.token, body: { fileName: 'My Spot (final).mp4', contentType: 'video/mp4' } });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(Object.keys(r.json), ['message', 'uploadUrl', 'key', 'expiresIn']);
  assert.equal(r.json.message, 'Upload URL generated successfully');
  assert.equal(r.json.expiresIn, 3600);
  assert.match(r.json.key, new RegExp(`^campaigns/${campaign}/creatives/[0-9a-f-]{36}_My Spot \\(final\\)\\.mp4$`));
  assert.match(r.json.key.split('/')[3], /^[0-9a-f]{8}-[0-9a-f]{4}-4/);
  const u = new URL(r.json.uploadUrl);
  assert.equal(u.searchParams.get('X-Amz-Algorithm'), 'AWS4-HMAC-SHA256');
  assert.equal(u.searchParams.get('X-Amz-Expires'), '3600');
  assert.ok(u.searchParams.get('X-Amz-Signature'));
  assert.equal(rowCount(campaign), rows, 'no row is created');
  // A number is a truthy fileName, used as JavaScript prints it.
  const n = await api('POST', url(campaign), { token: owner.token, body: { fileName: 42, contentType: 'video/mp4' } });
  assert.equal(n.status, 200);
  assert.ok(n.json.key.endsWith('_42'));
  // The URL works against the configured S3 (s3rver), even with local storage, as the reference's does.
  const payload = fs.readFileSync(path.join(MEDIA, 'h264-aac-15s-320x180.mp4'));
  const put = await request('PUT', r.json.uploadUrl, { headers: { 'Content-Type': 'video/mp4', 'Content-Length': payload.length }, body: payload });
  assert.equal(put.status, 200, put.text);
  const obj = s3ObjectPath(BUCKET, r.json.key);
  assert.ok(fs.existsSync(obj), `object stored in s3rver: ${obj}`);
  assert.deepEqual(fs.readFileSync(obj), payload);
  // s3rver does not verify V4 signatures: check ours independently (secret of the test env).
  const secret = process.env.AWS_SECRET_ACCESS_KEY || 'test';
  assert.ok(presignedSignatureValid(r.json.uploadUrl, 'PUT', secret), 'SigV4 signature verifies');
  assert.equal(u.searchParams.get('X-Amz-SignedHeaders'), 'host');
  assert.match(u.searchParams.get('X-Amz-Credential'), /^[^/]+\/\d{8}\/[^/]+\/s3\/aws4_request$/);
  const bad = new URL(r.json.uploadUrl);
  bad.searchParams.set('X-Amz-Signature', '0'.repeat(64));
  assert.ok(!presignedSignatureValid(bad.toString(), 'PUT', secret));
  assert.ok(!presignedSignatureValid(r.json.uploadUrl, 'GET', secret), 'signed for PUT only');
});

test('a store that fails answers 500 CREATIVE_UPLOAD_FAILED and creates no row', async () => {
  // S3 storage pointing at a port where nothing listens: the commit (PUT) fails.
  const dead = await startDaemon({ ADSERVERD_STORAGE: 's3', S3_ENDPOINT: 'http://127.0.0.1:9' });
  try {
    const rows = rowCount(campaign);
    const r = await upload(dead, owner.token, campaign, [
      { name: 'video', filename: 'a.mp4', type: 'video/mp4', data: Buffer.from('x'.repeat(100)) }, { name: 'name', data: 'Doomed' },
    ]);
    assert.equal(r.status, 500);
    assert.deepEqual(r.json, { error: { message: 'Failed to upload creative', code: 'CREATIVE_UPLOAD_FAILED' } });
    assert.equal(rowCount(campaign), rows);
    assert.deepEqual(filesUnder(dead.dataDir).filter((f) => !f.endsWith('.log')), [], 'the S3 spool is gone too');
  } finally {
    await dead.stop();
  }
});

test('a restart resumes creatives still processing', async () => {
  // Leave a pending upload behind as a crash would: row, creative_media row and file, never processed.
  const id = randomUUID();
  const key = `campaigns/${campaign}/creatives/${id}.mp4`;
  fs.mkdirSync(path.dirname(path.join(mediaDir(), key)), { recursive: true });
  fs.copyFileSync(path.join(MEDIA, 'h264-aac-10s-320x180-moov-end.mp4'), path.join(mediaDir(), key));
  await d.stop();
  sql(`INSERT INTO creatives (id, campaign_id, name, video_url, duration, format, status, uploaded_by)
       VALUES (:'id', :'c', 'Interrupted', 'http://localhost:4566/b/k', 30, 'mp4', 'processing', :'o')`, { id, c: campaign, o: owner.id });
  sql(`INSERT INTO creative_media (creative_id, storage_key, declared_type) VALUES (:'id', :'k', 'video/mp4')`, { id, k: key });
  // A processing row without creative_media (inserted by a test or tool) is not ours to process.
  const [[other]] = sql(`INSERT INTO creatives (campaign_id, name, video_url, duration, status)
       VALUES (:'c', 'Not uploaded', 'https://example.com/v.mp4', 30, 'processing') RETURNING id`, { c: campaign });
  d = await startDaemon({ ADSERVERD_PUBLIC_URL: 'http://ads.example.test:8080/', ADSERVERD_DATA_DIR: d.dataDir });
  const row = await waitForStatus(id, 'active');
  assert.equal(row.duration, '10');
  await sleep(300);
  assert.equal(sql(`SELECT status FROM creatives WHERE id = :'id'`, { id: other })[0][0], 'processing');
});
