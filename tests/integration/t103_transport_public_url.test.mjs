// URLs handed to players without public_url configured: a creative uploaded
// through the API with default settings (local storage) is served in VAST
// with tracking and media URLs built from the request's Host, and every one
// of them works from that client (beacons 2xx, media 200 with the uploaded
// bytes). A hostile Host never reaches a URL; X-Forwarded-Host counts only
// from a trusted proxy.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startDaemon, request, createUser, sql } from '../lib/harness.mjs';
import { upload, createCampaign, waitForStatus, MEDIA } from '../lib/uploads.mjs';
import { waitServable } from '../lib/serving.mjs';

const FILE = 'h264-aac-15s-320x180.mp4';
let d;
let owner;
let campaign;
let bytes;
before(async () => {
  // the defaults an operator gets: no public_url, local storage, no proxies
  d = await startDaemon({ ADSERVERD_PUBLIC_URL: undefined, ADSERVERD_STORAGE: undefined });
  owner = createUser();
  campaign = createCampaign(owner.id, 'public url');
  bytes = fs.readFileSync(path.join(MEDIA, FILE));
  const r = await upload(d, owner.token, campaign, [
    { name: 'metadata', data: JSON.stringify({ name: 'Public URL spot' }) },
    { name: 'video', filename: FILE, type: 'video/mp4', data: bytes },
  ]);
  assert.equal(r.status, 201, r.text);
  await waitForStatus(r.json.creative.id, 'active');
  sql(`UPDATE campaigns SET status = 'active' WHERE id = :'c'`, { c: campaign });
  await waitServable(d, campaign);
});
after(async () => {
  await d.stop();
  // the campaign stays: its beacons reference it (the suite's database is thrown away)
  sql(`UPDATE campaigns SET status = 'paused' WHERE id = :'c'`, { c: campaign });
});

// Every URL of a VAST document, macros filled the way a player fills them.
function urlsOf(xml) {
  return [...xml.matchAll(/<!\[CDATA\[\s*(https?:\/\/.*?)\s*\]\]>/g)].map((m) => m[1]
    .replace('[ERRORCODE]', '405').replace('[CONTENTPLAYHEAD]', '00%3A00%3A01.000'));
}

// GET url over 127.0.0.1:<port of url>, with the Host header of url.
function fetchVia(url, headers = {}) {
  const u = new URL(url);
  return request('GET', `http://127.0.0.1:${u.port}${u.pathname}${u.search}`, { headers: { Host: u.host, ...headers } });
}

for (const hostname of ['127.0.0.1', 'localhost']) {
  test(`VAST fetched through ${hostname}:PORT carries URLs that work from there`, async () => {
    const host = `${hostname}:${d.adPort}`;
    const v = await fetchVia(`http://${host}/vast?campaign_id=${campaign}`);
    assert.equal(v.status, 200);
    assert.equal(v.headers['x-adserverd-no-fill'], undefined, 'the uploaded creative fills');
    const urls = urlsOf(v.text);
    // every MediaFile (the renditions, the HLS master) and the Mezzanine (the upload itself)
    const media = [...v.text.matchAll(/<(?:MediaFile|Mezzanine)[^>]*>\s*<!\[CDATA\[(.*?)\]\]>/g)]
      .map((m) => m[1].trim());
    const mezzanine = [...v.text.matchAll(/<Mezzanine[^>]*>\s*<!\[CDATA\[(.*?)\]\]>/g)].map((m) => m[1].trim());
    assert.ok(media.length >= 1, v.text);
    assert.equal(mezzanine.length, 1, v.text);
    assert.ok(urls.length >= 10, `tracking URLs: ${urls.length}`);
    for (const u of urls) assert.ok(u.startsWith(`http://${host}/`), `${u} is reachable as ${host}`);
    let beacons = 0;
    for (const u of urls) {
      if (media.includes(u)) continue;
      const r = await fetchVia(u);
      assert.ok(r.status >= 200 && r.status < 400, `${u}: ${r.status}`);
      beacons++;
    }
    assert.ok(beacons >= 10);
    for (const u of media) {
      const m = await fetchVia(u);
      assert.equal(m.status, 200, u);
      assert.ok(m.body.length > 0, u);
    }
    const m = await fetchVia(mezzanine[0]);
    assert.ok(Buffer.compare(m.body, bytes) === 0, 'the Mezzanine URL serves the uploaded bytes');
  });
}

test('a hostile Host never reaches a URL: the connection address is used instead', async () => {
  const hostile = ['evil.example/path', 'evil.example\\@x', 'user@evil.example', `${'a'.repeat(300)}.example`,
    'evil.example:99999', 'evil.example:80:81', '[::1', 'evil example', 'evil.example#x', 'evil.example?x'];
  for (const h of hostile) {
    const v = await request('GET', `${d.adUrl}/vast?campaign_id=${campaign}`, { headers: { Host: h } });
    assert.equal(v.status, 200, h);
    const urls = urlsOf(v.text);
    assert.ok(urls.length >= 10);
    for (const u of urls) assert.ok(u.startsWith(`http://127.0.0.1:${d.adPort}/`), `${JSON.stringify(h)} gave ${u}`);
  }
  // CR LF inside Host never gets this far: the framing check refuses it
  const raw = await request('GET', `${d.adUrl}/vast?campaign_id=${campaign}`, { headers: { Host: 'a.example', 'X-Forwarded-Host': 'evil.example' } });
  for (const u of urlsOf(raw.text)) assert.ok(u.startsWith('http://a.example/'), `untrusted X-Forwarded-Host used: ${u}`);
  const v6 = await request('GET', `${d.adUrl}/vast?campaign_id=${campaign}`, { headers: { Host: `[::1]:${d.adPort}` } });
  for (const u of urlsOf(v6.text)) assert.ok(u.startsWith(`http://[::1]:${d.adPort}/`), u);
});

test('X-Forwarded-Host and -Proto count from a trusted proxy only', async () => {
  const p = await startDaemon({ ADSERVERD_TRUSTED_PROXIES: '127.0.0.2' });
  try {
    await waitServable(p, campaign);
    const h = { Host: 'internal:8080', 'X-Forwarded-Host': 'ads.example.com', 'X-Forwarded-Proto': 'https' };
    const trusted = await request('GET', `${p.adUrl}/vast?campaign_id=${campaign}`, { headers: h, localAddress: '127.0.0.2' });
    const urls = urlsOf(trusted.text);
    assert.ok(urls.length >= 10);
    for (const u of urls) assert.ok(u.startsWith('https://ads.example.com/'), u);
    const other = await request('GET', `${p.adUrl}/vast?campaign_id=${campaign}`, { headers: h, localAddress: '127.0.0.1' });
    for (const u of urlsOf(other.text)) assert.ok(u.startsWith('http://internal:8080/'), u);
    const bad = await request('GET', `${p.adUrl}/vast?campaign_id=${campaign}`, { headers: { ...h, 'X-Forwarded-Host': 'x@evil' }, localAddress: '127.0.0.2' });
    for (const u of urlsOf(bad.text)) assert.ok(u.startsWith('http://internal:8080/'), u);
  } finally {
    await p.stop();
  }
});
