// Creative uploads with the S3 backend (ADSERVERD_STORAGE=s3) against the
// test s3rver: the object lands in the bucket under the contract's key,
// processing fetches it back and reads it, a refused or failed upload
// leaves no object, presigned URLs come from the same signer, and the ad
// listener's /media route stays out of the way (players use the bucket).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startDaemon, request, api, createUser, sql } from '../lib/harness.mjs';
import { upload, createCampaign, filesUnder, waitForStatus, waitForRenditions, s3ObjectPath, presignedSignatureValid, MEDIA } from '../lib/uploads.mjs';

const BUCKET = process.env.S3_BUCKET_NAME || 'ctv-ad-server-creatives';
let d;
let owner;
let campaign;
before(async () => {
  d = await startDaemon({ ADSERVERD_STORAGE: 's3' });
  owner = createUser();
  campaign = createCampaign(owner.id);
});
after(async () => { await d.stop(); });

const bucketFiles = () => filesUnder(path.join(process.env.VAR || '', 's3', 'data', BUCKET, 'campaigns', campaign))
  .filter((f) => f.endsWith('._S3rver_object'));

test('a real MP4 is stored in the bucket under the contract key, then fetched and probed to active', async () => {
  const bytes = fs.readFileSync(path.join(MEDIA, 'ctv-demo-15s-1280x720.mp4'));
  const r = await upload(d, owner.token, campaign, [
    { name: 'video', filename: 'demo.mp4', type: 'video/mp4', data: bytes },
    { name: 'metadata', data: JSON.stringify({ name: 'S3 spot', duration: 30, width: 1920, height: 1080 }) },
  ]);
  assert.equal(r.status, 201, r.text);
  const c = r.json.creative;
  const key = `campaigns/${campaign}/creatives/${c.id}.mp4`;
  assert.equal(c.video_url, `http://localhost:4566/${BUCKET}/${key}`, 'literally localhost:4566 whatever the endpoint');
  assert.equal(c.file_size, String(bytes.length));
  assert.deepEqual(fs.readFileSync(s3ObjectPath(BUCKET, key)), bytes);
  const meta = JSON.parse(fs.readFileSync(s3ObjectPath(BUCKET, key).replace(/_object$/, '_metadata.json'), 'utf8'));
  assert.equal(meta['content-type'], 'video/mp4');
  const row = await waitForStatus(c.id, 'active');
  assert.deepEqual([row.duration, row.width, row.height, row.file_size], ['15', '1280', '720', String(bytes.length)]);
  const m = await api('GET', `${d.adminUrl}/api/v1/creatives/${c.id}/media`, { token: owner.token });
  assert.equal(m.json.media.video_codec, 'avc1.4D401F');
  assert.equal(m.json.media.faststart, true);
  // Players fetch from the bucket (storage_public_url), never from the ad listener.
  assert.equal(m.json.media.media_url, `${process.env.S3_ENDPOINT}/${BUCKET}/${key}`);
  const g = await request('GET', `${d.adUrl}/media/${key}`);
  assert.equal(g.status, 404);
  // The whole ladder of a 720p source on S3: 360p, 480p, 720p (no 1080p upscale),
  // each an MP4 and an HLS media playlist in the bucket, and a master playlist.
  const media = await waitForRenditions(d, owner.token, c.id);
  assert.deepEqual(media.renditions.map((x) => [x.rung, x.state, x.width, x.height]),
    [['360p', 'ready', 640, 360], ['480p', 'ready', 852, 480], ['720p', 'ready', 1280, 720]]);
  const stem = `campaigns/${campaign}/creatives/${c.id}`;
  for (const x of media.renditions) {
    assert.ok(x.bitrate_kbps > 0 && x.bitrate_kbps < x.target_kbps * 1.5, `${x.rung}: ${x.bitrate_kbps} kbps`);
    assert.match(x.video_codec, /^avc1\.64/);
    assert.equal(x.audio_codec, 'mp4a.40.2');
    assert.equal(x.mp4_key, `${stem}/${x.rung}.mp4`);
    assert.equal(x.mp4_url, `${process.env.S3_ENDPOINT}/${BUCKET}/${x.mp4_key}`);
    assert.equal(fs.statSync(s3ObjectPath(BUCKET, x.mp4_key)).size, Number(x.file_size));
    const pl = fs.readFileSync(s3ObjectPath(BUCKET, x.hls_key), 'utf8');
    assert.match(pl, /^#EXTM3U/);
    assert.equal((pl.match(/^seg_\d{3}\.ts$/gm) || []).length, x.hls_segments);
  }
  assert.equal(media.hls_master_url, `${process.env.S3_ENDPOINT}/${BUCKET}/${stem}/hls/master.m3u8`);
  const master = await fetch(media.hls_master_url);
  assert.equal(master.status, 200);
  const text = await master.text();
  assert.deepEqual(text.match(/^\d+p\/index\.m3u8$/gm), ['720p/index.m3u8', '480p/index.m3u8', '360p/index.m3u8']);
  assert.match(text, /RESOLUTION=1280x720,CODECS="avc1\.64[0-9A-F]{4},mp4a\.40\.2"/);
  assert.deepEqual(filesUnder(d.dataDir), [], 'no spool, probe copy or transcode left in the data directory');
  assert.equal(m.json.media.state, 'ready');
});

test('the contract\'s 30-byte text upload goes to the bucket and ends failed', async () => {
  const r = await upload(d, owner.token, campaign, [
    { name: 'video', filename: 'test-creative-video.mp4', type: 'video/mp4', data: fs.readFileSync(path.join(MEDIA, 'not-a-video.mp4')) },
    { name: 'metadata', data: JSON.stringify({ name: 'Test Creative', duration: 30, width: 1920, height: 1080 }) },
  ]);
  assert.equal(r.status, 201);
  assert.ok(r.json.creative.video_url.includes('localhost:4566'));
  assert.ok(fs.existsSync(s3ObjectPath(BUCKET, `campaigns/${campaign}/creatives/${r.json.creative.id}.mp4`)));
  await waitForStatus(r.json.creative.id, 'failed');
  const [[reason]] = sql(`SELECT failure_reason FROM creative_media WHERE creative_id = :'id'`, { id: r.json.creative.id });
  assert.equal(reason, 'not a video file');
});

test('refused uploads leave no object in the bucket', async () => {
  const before = bucketFiles().length;
  const vid = { name: 'video', filename: 'a.mp4', type: 'video/mp4', data: fs.readFileSync(path.join(MEDIA, 'h264-aac-15s-320x180.mp4')) };
  const other = createUser();
  for (const [cid, parts, status] of [
    [campaign, [vid, { name: 'metadata', data: '{nope' }], 400],
    [campaign, [vid, { name: 'metadata', data: '{}' }], 400],
    [campaign, [vid, { ...vid, filename: 'b.mp4' }], 400],
    [createCampaign(other.id), [vid, { name: 'name', data: 'Not mine' }], 404],
  ]) {
    const r = await upload(d, owner.token, cid, parts);
    assert.equal(r.status, status, r.text);
  }
  assert.equal(bucketFiles().length, before);
  assert.deepEqual(filesUnder(d.dataDir), [], 'spooled bytes are gone');
});

test('a presigned URL from the S3 backend: PUT accepted, object present, signature valid', async () => {
  const r = await api('POST', `${d.adminUrl}/api/v1/campaigns/${campaign}/creatives/upload-url`,
    { token: owner.token, body: { fileName: 'direct.mov', contentType: 'video/quicktime' } });
  assert.equal(r.status, 200, r.text);
  assert.ok(r.json.uploadUrl.startsWith(`${process.env.S3_ENDPOINT}/${BUCKET}/campaigns/${campaign}/creatives/`));
  assert.ok(presignedSignatureValid(r.json.uploadUrl, 'PUT', process.env.AWS_SECRET_ACCESS_KEY || 'test'));
  const payload = fs.readFileSync(path.join(MEDIA, 'h264-aac-10s-320x240.mov'));
  const put = await request('PUT', r.json.uploadUrl, { headers: { 'Content-Type': 'video/quicktime' }, body: payload });
  assert.equal(put.status, 200);
  assert.deepEqual(fs.readFileSync(s3ObjectPath(BUCKET, r.json.key)), payload);
});
