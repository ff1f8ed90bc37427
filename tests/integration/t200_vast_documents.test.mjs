// Every VAST/VMAP document the ad listener produces (single ad, pods of
// 1..6, no-fill, each vast_version, VMAP inline and by reference, a
// campaign's own tag, the old JSON API) validated with libxml2 against the
// IAB XSDs in ../shared/vast (read in place) AND parsed by the npm player
// parsers with no error or warning. Bad input: every parameter bounded.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startDaemon, createUser, request, api } from '../lib/harness.mjs';
import {
  makeCampaign, getVast, waitServable, checkVast, xsdCheck, vmapParse, adsOf, cleanupOwner,
} from '../lib/serving.mjs';

let d;
let A;
let single;
const pod = [];
const GENRE = `genre-${randomUUID().slice(0, 8)}`;

before(async () => {
  d = await startDaemon({ ADSERVERD_PUBLIC_URL: 'https://ads.example.tv/' });
  A = createUser();
  single = makeCampaign(A.id, { click: 'https://adv.example.com/land?ifa=[IFA]&cb=[CACHEBUSTING]&e=[ERRORCODE]',
    domain: 'single.example.com', categories: ['IAB2-3'] });
  // Six campaigns only this file's genre selects, priority 1, distinct domains.
  for (let i = 0; i < 6; i++) {
    pod.push(makeCampaign(A.id, { targeting: { content_genres: [GENRE] }, domain: `pod${i}.example.com`,
      creatives: [{ duration: 15 }] }));
  }
  await waitServable(d, single.id);
  for (const c of pod) await waitServable(d, c.id, { content_genre: GENRE });
});
after(async () => {
  cleanupOwner(A.id);
  await d.stop();
});

test('single ad VAST 4.2: schema-valid, vast-client clean, signed beacons, macros filled', async (t) => {
  const r = await getVast(d, { campaign_id: single.id, ifa: '6D92078A-8246-4BA4-AE5B-76104861E7DC' });
  assert.equal(r.status, 200);
  assert.equal(r.noFill, null);
  assert.match(r.headers['content-type'], /^application\/xml/);
  const s = await checkVast(r.text, '4.2', t);
  assert.equal(s.version, '4.2');
  assert.equal(s.ads.length, 1);
  const ad = s.ads[0];
  assert.equal(ad.id, single.creatives[0]);
  assert.match(ad.adServingId, /^[0-9a-f-]{32}ff01$/);
  assert.deepEqual(ad.categories.map((c) => c.value), ['IAB2-3']);
  assert.equal(ad.impressionURLs.length, 1);
  assert.match(ad.impressionURLs[0], /^https:\/\/ads\.example\.tv\/t\/impression\?d=[A-Za-z0-9_-]+&s=[A-Za-z0-9_-]+/);
  assert.match(ad.errorURLs[0], /\/t\/error\?.*&e=\[ERRORCODE\]/);
  const lin = ad.creatives[0];
  assert.equal(lin.duration, 15);
  for (const ev of ['start', 'firstQuartile', 'midpoint', 'thirdQuartile', 'complete', 'pause', 'resume',
    'mute', 'unmute', 'skip', 'closeLinear']) {
    assert.equal(lin.trackingEvents[ev]?.length, 1, ev);
  }
  assert.match(lin.clickTracking[0], /\/t\/click\?d=/);
  // Server macros filled and percent-encoded; the player's own left literal.
  assert.match(lin.clickThrough, /^https:\/\/adv\.example\.com\/land\?ifa=6D92078A-8246-4BA4-AE5B-76104861E7DC&cb=\d+&e=\[ERRORCODE\]$/);
  assert.match(r.text, /<Pricing model="cpm" currency="USD">10<\/Pricing>/);
  assert.match(r.text, /<AdTitle>Serving /);
});

test('each vast_version validates against its own schema and parses', async (t) => {
  for (const v of ['3.0', '4.0', '4.1', '4.2']) {
    const r = await getVast(d, { campaign_id: single.id, vast_version: v });
    assert.equal(r.status, 200, v);
    assert.match(r.text, new RegExp(`<VAST[^>]* version="${v}"`));
    const s = await checkVast(r.text, v, t);
    assert.equal(s.ads.length, 1, v);
    // no-fill in the same version (an unknown campaign)
    const nf = await getVast(d, { campaign_id: randomUUID(), vast_version: v });
    assert.equal(nf.noFill, 'campaign_not_servable');
    await checkVast(nf.text, v, t, { allowNoAd: true });
    if (v !== '3.0') assert.match(nf.text, /<Error><!\[CDATA\[https:\/\/ads\.example\.tv\/t\/noFill\?/);
    else assert.doesNotMatch(nf.text, /<Error>/); // VAST 3.0 has no root Error
  }
});

test('pods of 1..6: sequence 1..n, distinct creatives and AdServingIds, valid', async (t) => {
  for (let n = 1; n <= 6; n++) {
    const r = await getVast(d, { content_genre: GENRE, pod_max_ads: n });
    assert.equal(r.status, 200);
    const { ads, servingIds } = adsOf(r.text);
    assert.equal(ads.length, n, `pod_max_ads=${n}`);
    if (n > 1) assert.deepEqual(ads.map((a) => a.sequence), [...Array(n)].map((_, i) => i + 1));
    assert.equal(new Set(ads.map((a) => a.id)).size, n, 'no creative twice');
    assert.equal(new Set(servingIds).size, n, 'unique AdServingId per ad');
    const s = await checkVast(r.text, '4.2', t);
    assert.equal(s.ads.length, n);
    for (const v of ['3.0', '4.1']) {
      const rv = await getVast(d, { content_genre: GENRE, pod_max_ads: n, vast_version: v });
      await checkVast(rv.text, v, t);
    }
  }
});

test('pod_duration fills to the duration; min/max_ad_duration filter creatives', async (t) => {
  const r = await getVast(d, { content_genre: GENRE, pod_duration: 45 });
  const { ads } = adsOf(r.text);
  assert.equal(ads.length, 3, '3 x 15 s fill 45 s');
  await checkVast(r.text, '4.2', t);
  const none = await getVast(d, { campaign_id: single.id, max_ad_duration: 10 });
  assert.equal(none.noFill, 'creative_duration');
  await checkVast(none.text, '4.2', t, { allowNoAd: true });
});

test('/api/v1/vast serves that campaign only and requires campaign_id', async (t) => {
  const r = await getVast(d, { campaign_id: pod[2].id, content_genre: GENRE, pod_max_ads: 4 }, '/api/v1/vast');
  assert.equal(r.status, 200);
  const { ads } = adsOf(r.text);
  assert.deepEqual(ads.map((a) => a.id), [pod[2].creatives[0]]);
  await checkVast(r.text, '4.2', t);
  const bad = await getVast(d, {}, '/api/v1/vast');
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.json, { error: { message: 'Validation failed', details: [{ field: 'campaign_id', message: 'campaign_id is required' }] } });
});

test('no-fill: empty VAST with the root Error URL and the reason header', async (t) => {
  const r = await getVast(d, { campaign_id: single.id, country: 'ZZ', content_genre: 'no-such-genre' });
  assert.equal(r.status, 200);
  // single has no targeting: use a genre-targeted one with another genre
  const r2 = await getVast(d, { campaign_id: pod[0].id, content_genre: 'other' });
  assert.equal(r2.noFill, 'targeting');
  assert.match(r2.text, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<VAST xmlns="http:\/\/www.iab.com\/VAST" version="4.2">\n  <Error><!\[CDATA\[https:\/\/ads.example.tv\/t\/noFill\?d=[^\]]+&e=\[ERRORCODE\]\]\]><\/Error>\n<\/VAST>\n$/);
  const s = await checkVast(r2.text, '4.2', t, { allowNoAd: true });
  assert.equal(s.ads.length, 0);
  assert.equal(s.errorURLs.length, 1);
});

test('VMAP inline: preroll, midrolls by offsets and by interval, postroll; valid', async (t) => {
  const r = await request('GET', `${d.adUrl}/vmap?content_genre=${GENRE}&pod_max_ads=2&midrolls=300,900&content_duration=1200`);
  assert.equal(r.status, 200);
  xsdCheck(r.text, 'vmap', t);
  const s = await vmapParse(r.text);
  assert.deepEqual(s.adBreaks.map((b) => [b.timeOffset, b.breakId]),
    [['start', 'preroll'], ['00:05:00.000', 'midroll-1'], ['00:15:00.000', 'midroll-2'], ['end', 'postroll']]);
  for (const b of s.adBreaks) {
    assert.equal(b.adSource.vast.ads.length, 2, b.breakId);
    assert.deepEqual(b.adSource.vast.ads.map((a) => String(a.sequence)), ['1', '2']);
  }
  const ids = s.adBreaks.flatMap((b) => b.adSource.vast.ads.map((a) => a.adServingId));
  assert.equal(new Set(ids).size, 8, 'AdServingIds unique across the playlist');

  const e = await request('GET', `${d.adUrl}/vmap?content_genre=${GENRE}&midroll_every=600&content_duration=1800&preroll=0`);
  xsdCheck(e.text, 'vmap', t);
  const se = await vmapParse(e.text);
  assert.deepEqual(se.adBreaks.map((b) => b.timeOffset), ['00:10:00.000', '00:20:00.000', 'end']);

  // A no-fill break stays valid.
  const nf = await request('GET', `${d.adUrl}/vmap?campaign_id=${randomUUID()}&postroll=0`);
  assert.equal(nf.headers['x-adserverd-no-fill'], 'campaign_not_servable');
  xsdCheck(nf.text, 'vmap', t);
  const snf = await vmapParse(nf.text);
  assert.equal(snf.adBreaks[0].adSource.vast.ads.length, 0);
});

test('VMAP by reference: AdTagURIs back to /vast that answer valid VAST', async (t) => {
  const r = await request('GET', `${d.adUrl}/vmap?break_source=tag&content_genre=${GENRE}&pod_max_ads=3&midrolls=600&ifa=%5BIFA%5D`);
  assert.equal(r.status, 200);
  xsdCheck(r.text, 'vmap', t);
  const s = await vmapParse(r.text);
  assert.equal(s.adBreaks.length, 3);
  for (const b of s.adBreaks) {
    const uri = b.adSource.adTagURI.uri.trim();
    assert.ok(uri.startsWith('https://ads.example.tv/vast?break='), uri);
    const u = new URL(uri);
    assert.equal(u.searchParams.get('content_genre'), GENRE);
    assert.equal(u.searchParams.get('pod_max_ads'), '3');
    assert.equal(u.searchParams.get('midrolls'), null);
    const v = await request('GET', `${d.adUrl}/vast${u.search}`);
    assert.equal(v.status, 200);
    const sv = await checkVast(v.text, '4.2', t);
    assert.equal(sv.ads.length, 3);
  }
});

test('POST /api/v1/ad-request: 200 shape, 204 when nothing fits, 400 on bad bodies', async () => {
  const ok = await api('POST', `${d.adUrl}/api/v1/ad-request`, {
    body: { device_id: 'dev-1', device_type: 'ctv', app_id: 'com.example.tv', user_agent: 'Roku/9',
      context: { content_genre: GENRE, livestream: false } },
  });
  assert.equal(ok.status, 200, ok.text);
  assert.deepEqual(Object.keys(ok.json).sort(), ['ad_id', 'campaign_id', 'click_url', 'creative_id', 'duration',
    'format', 'timestamp', 'tracking_url', 'video_url'].sort());
  assert.equal(ok.json.duration, 15);
  assert.equal(ok.json.format, 'mp4');
  assert.match(ok.json.tracking_url, /^https:\/\/ads\.example\.tv\/t\/impression\?d=/);
  assert.match(ok.json.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  const none = await api('POST', `${d.adUrl}/api/v1/ad-request`, {
    body: { device_id: 'dev-1', context: { campaign_id: randomUUID() } },
  });
  assert.equal(none.status, 204);
  for (const [body, details] of [
    [{}, 'device_id is required and must be a non-empty string'],
    [{ device_id: 5 }, 'device_id is required and must be a non-empty string'],
    [{ device_id: 'x', context: [] }, 'context must be an object'],
    [{ device_id: 'x', device_type: 3 }, 'device_type must be a string'],
    [{ device_id: 'x', context: { country: 'USA' } }, /^context: country must be/],
    [[1, 2], 'body must be a JSON object'],
  ]) {
    const r = await api('POST', `${d.adUrl}/api/v1/ad-request`, { body });
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.json.error, 'Invalid request');
    if (details instanceof RegExp) assert.match(r.json.details, details);
    else assert.equal(r.json.details, details);
  }
});

test('bad input: every parameter bounded, 400 naming it, never a crash', async () => {
  const long = (n) => 'a'.repeat(n);
  const cases = [
    ['ifa', long(129)], ['ifa', 'a b'], ['ifa_type', long(17)], ['ua', long(513)], ['ua', 'x\x01y'],
    ['ip', '999.1.1.1'], ['device_id', long(129)], ['device_type', long(33)], ['os', 'ro ku'],
    ['lmt', '2'], ['country', 'USA'], ['region', 'NY'], ['dma', '5011'], ['app_bundle', long(256)],
    ['app_name', long(256)], ['content_genre', long(65)], ['content_rating', long(17)],
    ['content_category', 'IAB 1'], ['livestream', 'yes'], ['content_id', long(129)],
    ['content_duration', '0'], ['us_privacy', '1YNNN'], ['gdpr', '3'], ['gdpr_consent', long(2049)],
    ['pod_max_ads', '0'], ['pod_max_ads', '11'], ['pod_max_ads', '-1'], ['pod_duration', '601'],
    ['min_ad_duration', 'x'], ['max_ad_duration', '99999999999'], ['campaign_id', 'nope'],
    ['vast_version', '2.0'], ['preroll', '5'], ['postroll', 'no'], ['midrolls', '10,5'],
    ['midroll_every', '1'], ['break_source', 'x'],
  ];
  for (const [k, v] of cases) {
    for (const route of ['/vast', '/vmap']) {
      const r = await request('GET', `${d.adUrl}${route}?${new URLSearchParams({ [k]: v })}`);
      assert.equal(r.status, 400, `${route} ${k}=${v.slice(0, 20)}`);
      assert.equal(r.json.error.message, 'Validation failed');
      assert.equal(r.json.error.details[0].field, k);
      assert.ok(r.json.error.details[0].message.startsWith(k), r.json.error.details[0].message);
    }
  }
  const dup = await request('GET', `${d.adUrl}/vast?country=US&country=CA`);
  assert.equal(dup.status, 400);
  const many = await request('GET', `${d.adUrl}/vast?${[...Array(65)].map((_, i) => `x${i}=1`).join('&')}`);
  assert.equal(many.status, 400);
  const rel = await request('GET', `${d.adUrl}/vast?min_ad_duration=30&max_ad_duration=10`);
  assert.equal(rel.status, 400);
  assert.equal(rel.json.error.details[0].field, 'min_ad_duration');
  // Unfilled macros count as absent, so a pasted tag still serves.
  const mac = await getVast(d, { campaign_id: single.id, ifa: '[IFA]', ip: '[DEVICEIP]', gdpr: '{GDPR}', lmt: '%%LMT%%' });
  assert.equal(mac.status, 200);
  assert.equal(mac.noFill, null);
  const h = await request('GET', `${d.adUrl}/health`);
  assert.equal(h.status, 200, 'still alive');
});

test('/metrics counts decisions and no-fill reasons', async () => {
  const m = await request('GET', `${d.adminUrl}/metrics`);
  assert.match(m.text, /adserverd_ad_decisions_total\{route="vast",result="fill"\} [1-9]/);
  assert.match(m.text, /adserverd_ad_no_fill_total\{reason="targeting"\} [1-9]/);
  assert.match(m.text, /adserverd_ad_no_fill_total\{reason="campaign_not_servable"\} [1-9]/);
  assert.match(m.text, /adserverd_ad_decisions_total\{route="vmap",result="fill"\} [1-9]/);
});

test('device headers count only from trusted_proxies; query ip/ua win', async () => {
  const c = makeCampaign(A.id, { click: 'https://adv.example.com/c?ip=[DEVICEIP]&ua=[DEVICEUA]' });
  const trusted = await startDaemon({ ADSERVERD_TRUSTED_PROXIES: '127.0.0.0/8, ::1' });
  try {
    await waitServable(trusted, c.id);
    await waitServable(d, c.id);
    const hdrs = { 'X-Device-IP': '203.0.113.9', 'X-Device-User-Agent': 'Roku/DVP-9.10', 'User-Agent': 'SSAI/1' };
    const click = (text) => /<ClickThrough><!\[CDATA\[([^\]]+)\]\]>/.exec(text)[1];
    const viaProxy = await request('GET', `${trusted.adUrl}/vast?campaign_id=${c.id}`, { headers: hdrs });
    assert.equal(click(viaProxy.text), 'https://adv.example.com/c?ip=203.0.113.9&ua=Roku%2FDVP-9.10');
    const xff = await request('GET', `${trusted.adUrl}/vast?campaign_id=${c.id}`,
      { headers: { 'X-Forwarded-For': '198.51.100.4, 127.0.0.1', 'User-Agent': 'SSAI/1' } });
    assert.equal(click(xff.text), 'https://adv.example.com/c?ip=198.51.100.4&ua=SSAI%2F1');
    const untrusted = await request('GET', `${d.adUrl}/vast?campaign_id=${c.id}`, { headers: hdrs });
    assert.equal(click(untrusted.text), 'https://adv.example.com/c?ip=127.0.0.1&ua=SSAI%2F1');
    const q = await request('GET', `${trusted.adUrl}/vast?campaign_id=${c.id}&ip=192.0.2.1&ua=Q`, { headers: hdrs });
    assert.equal(click(q.text), 'https://adv.example.com/c?ip=192.0.2.1&ua=Q');
  } finally {
    await trusted.stop();
  }
});
