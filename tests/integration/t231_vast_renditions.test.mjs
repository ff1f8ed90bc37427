// An uploaded creative served with its rendition ladder: every ready
// rendition is a <MediaFile> with its measured width, height, bitrate and
// codec (MP4 progressive, the HLS master streaming as application/x-mpegURL),
// VAST 4.1+ carries the upload as <Mezzanine>, UniversalAdId is the creative's
// stable id under the server's registry; every vast_version validates against
// its IAB XSD and @dailymotion/vast-client reads every MediaFile and the
// Mezzanine. The files behind the URLs are what the ad listener serves.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startDaemon, createUser, request } from '../lib/harness.mjs';
import { upload, waitForStatus, waitForRenditions, MEDIA } from '../lib/uploads.mjs';
import { makeCampaign, getVast, waitServable, checkVast, cleanupOwner } from '../lib/serving.mjs';

const PUBLIC = 'https://ads.example.tv';
let d;
let owner;
let campaign;
let creative;
let media;

before(async () => {
  d = await startDaemon({ ADSERVERD_PUBLIC_URL: PUBLIC });
  owner = createUser();
  // a servable campaign whose only creative is the upload below
  campaign = makeCampaign(owner.id, { creatives: [] }).id;
  const r = await upload(d, owner.token, campaign, [
    { name: 'video', filename: 'demo.mp4', type: 'video/mp4', data: fs.readFileSync(path.join(MEDIA, 'ctv-demo-15s-1280x720.mp4')) },
    { name: 'name', data: 'Ladder VAST spot' },
  ]);
  assert.equal(r.status, 201, r.text);
  creative = r.json.creative.id;
  await waitForStatus(creative, 'active', 180000);
  media = await waitForRenditions(d, owner.token, creative);
  // the catalog rebuilds when a rendition changes (NOTIFY): wait for the last one
  await waitServable(d, campaign, {}, 60000);
  for (let i = 0; i < 600; i++) {
    const v = await getVast(d, { campaign_id: campaign });
    if ((v.text.match(/<MediaFile /g) || []).length === 4) break;
    await new Promise((res) => setTimeout(res, 100));
  }
});
after(async () => {
  cleanupOwner(owner.id);
  await d.stop();
});

test('every ready rendition is a MediaFile, the upload the Mezzanine, in every VAST version', async (t) => {
  const ready = media.renditions.filter((x) => x.state === 'ready');
  assert.deepEqual(ready.map((x) => x.rung), ['360p', '480p', '720p']);
  for (const v of ['3.0', '4.0', '4.1', '4.2']) {
    const r = await getVast(d, { campaign_id: campaign, vast_version: v });
    assert.equal(r.status, 200);
    const s = await checkVast(r.text, v, t); // XSD, then vast-client without error or warning
    const lin = s.ads[0].creatives.find((c) => c.type === 'linear');
    // largest first: 720p, 480p, 360p MP4, then the HLS master
    assert.deepEqual(lin.mediaFiles.map((m) => [m.delivery, m.mimeType, m.width, m.height]), [
      ['progressive', 'video/mp4', 1280, 720], ['progressive', 'video/mp4', 852, 480],
      ['progressive', 'video/mp4', 640, 360], ['streaming', 'application/x-mpegURL', 1280, 720]], v);
    for (const [i, x] of [...ready].reverse().entries()) {
      const m = lin.mediaFiles[i];
      assert.equal(m.bitrate, x.bitrate_kbps, `${v} ${x.rung} bitrate as measured`);
      assert.equal(m.codec, x.video_codec);
      assert.equal(m.fileURL, x.mp4_url);
    }
    assert.equal(lin.mediaFiles[3].fileURL, media.hls_master_url);
    if (v !== '3.0')
      assert.deepEqual(lin.universalAdIds, [{ idRegistry: 'adserverd', value: creative }]);
    // 4.0's schema wants a bare-URI Mezzanine that vast-client flags: 4.1+ only
    if (v === '3.0' || v === '4.0') {
      assert.equal(lin.mezzanine, null);
    } else {
      assert.equal(lin.mezzanine?.fileURL, media.media_url, `${v}: the upload is the Mezzanine`);
      assert.equal(lin.mezzanine.delivery, 'progressive');
      assert.equal(lin.mezzanine.type, 'video/mp4');
      assert.equal(lin.mezzanine.width, 1280);
      assert.equal(lin.mezzanine.height, 720);
    }
  }
});

test('the URLs in the VAST are served: MP4 by ranges, the HLS master and a media playlist', async () => {
  const r = await getVast(d, { campaign_id: campaign });
  // the public URL players use, fetched here from the ad listener itself
  const urls = [...r.text.matchAll(/<MediaFile [^>]*><!\[CDATA\[([^\]]+)\]\]>/g)]
    .map((m) => m[1].replace(PUBLIC, d.adUrl));
  assert.equal(urls.length, 4);
  for (const u of urls.slice(0, 3)) {
    const g = await request('GET', u, { headers: { Range: 'bytes=0-7' } });
    assert.equal(g.status, 206, u);
    assert.equal(g.body.slice(4, 8).toString(), 'ftyp');
  }
  const master = await request('GET', urls[3]);
  assert.equal(master.status, 200);
  assert.equal(master.headers['content-type'], 'application/vnd.apple.mpegurl');
  const first = master.body.toString().split('\n').find((l) => l.endsWith('/index.m3u8'));
  const pl = await request('GET', new URL(first, urls[3]).href);
  assert.equal(pl.status, 200);
  assert.match(pl.body.toString(), /#EXT-X-PLAYLIST-TYPE:VOD[\s\S]*seg_000\.ts[\s\S]*#EXT-X-ENDLIST/);
});
