// An advertiser's own measurement: third-party tracker lists of creatives
// and campaigns and OMID verification scripts of creatives (sql/011), over
// real HTTP against a real adserverd and PostgreSQL, then served: the VAST
// of every version carries them beside our signed URLs, with the server's
// macros filled, validates against the IAB XSDs and parses in vast-client.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startDaemon, api, sql, createUser, sleep } from '../lib/harness.mjs';
import { makeCampaign, getVast, waitServable, checkVast, cleanupOwner } from '../lib/serving.mjs';
import { summarizeVastString } from '../lib/vast-parse.mjs';

let d;
let A; // the owner
let B; // another advertiser
let served; // a servable campaign of A
const EMPTY_EVENTS = {
  start: [], firstQuartile: [], midpoint: [], thirdQuartile: [], complete: [], pause: [], resume: [],
  mute: [], unmute: [], skip: [], close: [],
};
const EMPTY = { impression: [], click: [], error: [], events: EMPTY_EVENTS };
const v400 = (field, message) => ({ error: { message: 'Validation failed', details: [{ field, message }] } });

before(async () => {
  d = await startDaemon({ ADSERVERD_PUBLIC_URL: 'https://ads.example.tv/' });
  A = createUser();
  B = createUser();
  served = makeCampaign(A.id, { domain: 'brand.example.com' });
  await waitServable(d, served.id);
});
after(async () => {
  cleanupOwner(A.id);
  cleanupOwner(B.id);
  await d.stop();
});

const admin = (p) => `${d.adminUrl}/api/v1${p}`;
const put = (p, body, token = A.token) => api('PUT', admin(p), { token, body });
const get = (p, token = A.token) => api('GET', admin(p), { token });

test('GET before any PUT answers empty documents', async () => {
  const cr = served.creatives[0];
  let r = await get(`/creatives/${cr}/trackers`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { trackers: EMPTY });
  r = await get(`/campaigns/${served.id}/trackers`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { trackers: EMPTY });
  r = await get(`/creatives/${cr}/verifications`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { verifications: [] });
});

test('PUT stores the whole normalised document and GET agrees', async () => {
  const c = makeCampaign(A.id, { status: 'draft' });
  const cr = c.creatives[0];
  const body = {
    impression: ['https://pixel.example/i?cb=[CACHEBUSTING]&q=é<x>'],
    events: { complete: ['http://agency.example/c'] },
  };
  const r = await put(`/creatives/${cr}/trackers`, body);
  assert.equal(r.status, 200, r.text);
  const want = { ...EMPTY, impression: ['https://pixel.example/i?cb=[CACHEBUSTING]&q=%C3%A9%3Cx%3E'],
    events: { ...EMPTY_EVENTS, complete: ['http://agency.example/c'] } };
  assert.deepEqual(r.json, { trackers: want });
  assert.deepEqual((await get(`/creatives/${cr}/trackers`)).json, { trackers: want });
  // a second PUT replaces, absent lists become empty
  const r2 = await put(`/creatives/${cr}/trackers`, { click: ['https://c.example/'] });
  assert.deepEqual(r2.json, { trackers: { ...EMPTY, click: ['https://c.example/'] } });
  const v = [{ vendor: 'ias.com-omid', javascript_url: 'https://static.ias.example/omid.js',
    browser_optional: true, parameters: '{"a":1}', not_executed_url: 'https://ias.example/ne?r=[REASON]' },
  { vendor: 'dv.com-omid', javascript_url: 'https://dv.example/v.js' }];
  const r3 = await put(`/creatives/${cr}/verifications`, v);
  assert.equal(r3.status, 200, r3.text);
  assert.deepEqual(r3.json, { verifications: [v[0], { ...v[1], browser_optional: false, parameters: null, not_executed_url: null }] });
  const r4 = await put(`/creatives/${cr}/verifications`, { verifications: [] });
  assert.deepEqual(r4.json, { verifications: [] });
});

test('bad input: 400 naming the field and index, nothing stored', async () => {
  const c = makeCampaign(A.id, { status: 'draft' });
  const cr = c.creatives[0];
  const good = { impression: ['https://keep.example/i'] };
  assert.equal((await put(`/creatives/${cr}/trackers`, good)).status, 200);
  const cases = [
    [{ impression: 'https://x' }, 'impression', '"impression" must be an array'],
    [{ events: { start: ['https://a/', 'ftp://b/'] } }, 'events.start[1]', '"events.start[1]" must be an http or https URL'],
    [{ click: ['https://a.example/ b'] }, 'click[0]', '"click[0]" must not contain whitespace or control characters'],
    [{ error: [`https://a.example/${'x'.repeat(2100)}`] }, 'error[0]',
      '"error[0]" length must be less than or equal to 2048 characters long'],
    [{ impression: Array.from({ length: 11 }, (_, i) => `https://a.example/${i}`) }, 'impression',
      '"impression" must contain less than or equal to 10 items'],
    [{ events: { rewind: [] } }, 'events.rewind', '"events.rewind" is not allowed'],
    [{ impression: ['https://ok.example/'], bogus: 1 }, 'bogus', '"bogus" is not allowed'],
  ];
  for (const [body, field, message] of cases) {
    const r = await put(`/creatives/${cr}/trackers`, body);
    assert.equal(r.status, 400, JSON.stringify(body).slice(0, 80));
    assert.deepEqual(r.json, v400(field, message));
  }
  const r = await put(`/campaigns/${c.id}/trackers`, { click: ['javascript:alert(1)'] });
  assert.deepEqual(r.json, v400('click[0]', '"click[0]" must be an http or https URL'));
  const vcases = [
    [[{}], 'verifications[0].vendor', '"verifications[0].vendor" is required'],
    [[{ vendor: 'v' }], 'verifications[0].javascript_url', '"verifications[0].javascript_url" is required'],
    [Array.from({ length: 6 }, () => ({ vendor: 'v', javascript_url: 'https://v.example/' })), 'verifications',
      '"verifications" must contain less than or equal to 5 items'],
    [[{ vendor: 'v', javascript_url: 'https://v.example/', browser_optional: 1 }],
      'verifications[0].browser_optional', '"verifications[0].browser_optional" must be a boolean'],
  ];
  for (const [body, field, message] of vcases) {
    const rv = await put(`/creatives/${cr}/verifications`, body);
    assert.equal(rv.status, 400);
    assert.deepEqual(rv.json, v400(field, message));
  }
  assert.deepEqual((await get(`/creatives/${cr}/trackers`)).json.trackers.impression, ['https://keep.example/i']);
  assert.deepEqual((await get(`/creatives/${cr}/verifications`)).json, { verifications: [] });
  const rows = sql(`SELECT COUNT(*) FROM campaign_trackers WHERE campaign_id = :'c'`, { c: c.id });
  assert.equal(rows[0][0], '0');
});

test('ownership: a foreign or missing object is a 404, a malformed id a 400, no token a 401', async () => {
  const cr = served.creatives[0];
  const NF_CR = { error: { message: 'Creative not found', code: 'CREATIVE_NOT_FOUND' } };
  const NF_CA = { error: { message: 'Campaign not found', code: 'CAMPAIGN_NOT_FOUND' } };
  for (const p of [`/creatives/${cr}/trackers`, `/creatives/${cr}/verifications`, `/creatives/${randomUUID()}/trackers`]) {
    const r = await get(p, B.token);
    assert.equal(r.status, 404, p);
    assert.deepEqual(r.json, NF_CR);
    const w = await put(p, p.endsWith('verifications') ? [] : {}, B.token);
    assert.equal(w.status, 404, p);
  }
  const r = await put(`/campaigns/${served.id}/trackers`, { impression: ['https://evil.example/'] }, B.token);
  assert.equal(r.status, 404);
  assert.deepEqual(r.json, NF_CA);
  assert.deepEqual((await get(`/campaigns/${served.id}/trackers`)).json, { trackers: EMPTY });
  const bad = await get('/creatives/not-a-uuid/trackers');
  assert.equal(bad.status, 400);
  const anon = await api('GET', admin(`/creatives/${cr}/trackers`), {});
  assert.equal(anon.status, 401);
});

// Wait until the served VAST has n impressions (the catalog rebuilt).
async function waitImpressions(n, q = {}) {
  const t0 = Date.now();
  for (;;) {
    const r = await getVast(d, { campaign_id: served.id, ...q });
    const got = (r.text.match(/<Impression/g) || []).length;
    if (got === n) return r;
    if (Date.now() - t0 > 5000) assert.fail(`VAST never had ${n} impressions:\n${r.text}`);
    await sleep(50);
  }
}

test('served VAST carries trackers and verifications in every version, schema-valid', async (t) => {
  const cr = served.creatives[0];
  let r = await put(`/creatives/${cr}/trackers`, {
    impression: ['https://nielsen.example/i?cb=[CACHEBUSTING]&ifa=[IFA]&sid=[ADSERVINGID]&lmt=[LIMITADTRACKING]'],
    click: ['https://agency.example/click?ts=[TIMESTAMP]'],
    error: ['https://agency.example/err?code=[ERRORCODE]&ua=[DEVICEUA]'],
    events: { start: ['https://agency.example/start?ph=[ADPLAYHEAD]'], complete: ['https://agency.example/done'] },
  });
  assert.equal(r.status, 200, r.text);
  r = await put(`/campaigns/${served.id}/trackers`, { impression: ['https://campaign.example/i'] });
  assert.equal(r.status, 200, r.text);
  r = await put(`/creatives/${cr}/verifications`, [{ vendor: 'doubleverify.com-omid',
    javascript_url: 'https://cdn.dv.example/dvtp_src.js', browser_optional: true,
    parameters: '{"ctx":"]]>"}', not_executed_url: 'https://dv.example/ne?r=[REASON]&sid=[ADSERVINGID]' }]);
  assert.equal(r.status, 200, r.text);
  const ifa = '6D92078A-8246-4BA4-AE5B-76104861E7DC';
  await waitImpressions(3, { ifa });
  for (const v of ['3.0', '4.0', '4.1', '4.2']) {
    const rv = await getVast(d, { campaign_id: served.id, ifa, vast_version: v, ua: 'Roku <x>' });
    assert.equal(rv.status, 200);
    const s = await checkVast(rv.text, v, t);
    const ad = s.ads[0];
    // ours first (signed), then the creative's, then the campaign's
    assert.equal(ad.impressionURLs.length, 3, v);
    assert.match(ad.impressionURLs[0], /^https:\/\/ads\.example\.tv\/t\/impression\?/);
    const sid = ad.adServingId ?? rv.text.match(/<Impression id="([^"]+)"/)[1];
    assert.equal(ad.impressionURLs[1],
      `https://nielsen.example/i?cb=${ad.impressionURLs[1].match(/cb=(\d{8})/)[1]}&ifa=${ifa}&sid=${sid}&lmt=-1`);
    assert.equal(ad.impressionURLs[2], 'https://campaign.example/i');
    const lin = ad.creatives[0];
    assert.deepEqual(lin.trackingEvents.start.slice(1), ['https://agency.example/start?ph=[ADPLAYHEAD]']);
    assert.deepEqual(lin.trackingEvents.complete.slice(1), ['https://agency.example/done']);
    assert.equal(lin.clickTracking.length, 2);
    assert.match(lin.clickTracking[1], /^https:\/\/agency\.example\/click\?ts=\d{4}-\d\d-\d\dT/);
    if (v === '3.0') {
      assert.equal(ad.errorURLs.length, 1); // 3.0 allows one InLine Error: ours
    } else {
      assert.equal(ad.errorURLs.length, 2);
      assert.equal(ad.errorURLs[1], 'https://agency.example/err?code=[ERRORCODE]&ua=Roku%20%3Cx%3E');
    }
    // verifications: AdVerifications in 4.1+, the Extension form before
    assert.equal((rv.text.match(/<Verification vendor="doubleverify.com-omid">/g) || []).length, 1, v);
    assert.match(rv.text, /<JavaScriptResource apiFramework="omid" browserOptional="true"><!\[CDATA\[https:\/\/cdn\.dv\.example\/dvtp_src\.js\]\]>/);
    assert.match(rv.text, new RegExp(`<Tracking event="verificationNotExecuted"><!\\[CDATA\\[https://dv.example/ne\\?r=\\[REASON\\]&sid=${sid}\\]\\]>`));
    if (v === '4.1' || v === '4.2') {
      assert.equal(ad.adVerifications, 1, v);
      const full = await summarizeVastString(rv.text, { full: true });
      const ver = full.response.ads[0].adVerifications[0];
      assert.equal(ver.vendor, 'doubleverify.com-omid');
      assert.equal(ver.apiFramework, 'omid');
      assert.equal(ver.resource, 'https://cdn.dv.example/dvtp_src.js');
      assert.equal(ver.parameters, '{"ctx":"]]>"}');
      assert.doesNotMatch(rv.text, /<Extension type="AdVerifications">/);
    } else {
      assert.match(rv.text, /<Extensions>\s*<Extension type="AdVerifications">\s*<AdVerifications>\s*<Verification /);
    }
  }
});

test('a third party never stops our own counting: clearing trackers restores the plain ad', async () => {
  const cr = served.creatives[0];
  assert.equal((await put(`/creatives/${cr}/trackers`, {})).status, 200);
  assert.equal((await put(`/campaigns/${served.id}/trackers`, {})).status, 200);
  assert.equal((await put(`/creatives/${cr}/verifications`, [])).status, 200);
  const r = await waitImpressions(1);
  assert.doesNotMatch(r.text, /Verification/);
});
