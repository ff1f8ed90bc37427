// Decision rules over HTTP against the real daemon: each targeting branch,
// flight dates, budget exhaustion, creative status, competitive separation
// (advertiser domain and excluded IAB categories), frequency caps with two
// daemons sharing one Redis (never above the cap; exactly one EVALSHA per
// capped request, none uncapped), catalog freshness (an admin change served
// within 1 s) and the admin explain route with its ownership rule. Each
// test fails when its rule is removed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startDaemon, startRedis, createUser, request, api, sql, redis, sleep } from '../lib/harness.mjs';
import { makeCampaign, getVast, waitServable, checkVast, adsOf, cleanupOwner } from '../lib/serving.mjs';

let d;
let A;
let B;
let ADMIN;

before(async () => {
  d = await startDaemon({ ADSERVERD_PUBLIC_URL: 'https://ads.example.tv' });
  A = createUser();
  B = createUser();
  ADMIN = createUser({ role: 'admin' });
});
after(async () => {
  sql(`DELETE FROM iab_category_exclusions WHERE category_a LIKE 'IAB24-9%'`);
  for (const u of [A, B, ADMIN]) cleanupOwner(u.id);
  await d.stop();
});

// Fill with good, no-fill "targeting" with bad: both documents schema-valid.
async function expectTargeting(t, c, good, bad) {
  await waitServable(d, c.id, good);
  const ok = await getVast(d, { ...good, campaign_id: c.id });
  assert.equal(ok.noFill, null, JSON.stringify(good));
  await checkVast(ok.text, '4.2', t);
  const no = await getVast(d, { ...bad, campaign_id: c.id });
  assert.equal(no.noFill, 'targeting', JSON.stringify(bad));
  await checkVast(no.text, '4.2', t, { allowNoAd: true });
}

test('targeting: every dimension, livestream and day-part', async (t) => {
  const dims = [
    ['countries', ['US'], 'country', 'us', 'CA'],
    ['regions', ['US-NY'], 'region', 'US-NY', 'US-CA'],
    ['dmas', ['501'], 'dma', '501', '803'],
    ['device_types', ['ctv'], 'device_type', 'CTV', 'mobile'],
    ['os', ['roku'], 'os', 'roku', 'tizen'],
    ['app_bundles', ['com.example.tv'], 'app_bundle', 'com.example.tv', 'com.other.tv'],
    ['content_genres', ['sports'], 'content_genre', 'Sports', 'news'],
    ['content_ratings', ['TV-PG'], 'content_rating', 'TV-PG', 'TV-MA'],
    ['content_categories', ['IAB17'], 'content_category', 'IAB17', 'IAB1'],
  ];
  for (const [key, values, param, good, bad] of dims) {
    const c = makeCampaign(A.id, { targeting: { [key]: values } });
    await expectTargeting(t, c, { [param]: good }, { [param]: bad });
    // A request that does not say the value does not match a targeted dimension.
    const absent = await getVast(d, { campaign_id: c.id });
    assert.equal(absent.noFill, 'targeting', `${param} absent`);
  }
  const live = makeCampaign(A.id, { targeting: { livestream: 'only' } });
  await expectTargeting(t, live, { livestream: '1' }, { livestream: '0' });
  const never = makeCampaign(A.id, { targeting: { livestream: 'never' } });
  await expectTargeting(t, never, { livestream: 'false' }, { livestream: 'true' });
  // Day-part: this UTC hour on today's weekday only, vs every other hour.
  const now = new Date();
  const dp = [0, 0, 0, 0, 0, 0, 0];
  const dpNot = [0, 0, 0, 0, 0, 0, 0];
  // Around an hour boundary the test could flip: allow the neighbouring hours too.
  for (const h of [now.getUTCHours(), (now.getUTCHours() + 1) % 24]) dp[now.getUTCDay()] |= 1 << h;
  dp[(now.getUTCDay() + 1) % 7] |= 1; // the next midnight
  for (let i = 0; i < 7; i++) dpNot[i] = 0xffffff & ~dp[i];
  const inPart = makeCampaign(A.id, { targeting: { dayparts: dp } });
  await waitServable(d, inPart.id);
  const outPart = makeCampaign(A.id, { targeting: { dayparts: dpNot.map((x) => x || 0) } });
  await sleep(400);
  const r = await getVast(d, { campaign_id: outPart.id });
  assert.equal(r.noFill, 'targeting');
});

test('flight dates: pending and ended campaigns do not serve', async () => {
  const pending = makeCampaign(A.id, { start: Date.now() + 86400000 });
  const ended = makeCampaign(A.id, { start: Date.now() - 5 * 86400000, end: Date.now() - 3600000 });
  const live = makeCampaign(A.id, {});
  await waitServable(d, live.id);
  assert.equal((await getVast(d, { campaign_id: pending.id })).noFill, 'flight_pending');
  assert.equal((await getVast(d, { campaign_id: ended.id })).noFill, 'flight_ended');
});

test('budget exhaustion: a campaign that spent its budget does not serve', async () => {
  const spent = makeCampaign(A.id, { budget: 100, spent: 100 });
  const left = makeCampaign(A.id, { budget: 100, spent: 99.99 });
  await waitServable(d, left.id);
  assert.equal((await getVast(d, { campaign_id: spent.id })).noFill, 'budget');
});

test('creative status: only active creatives serve', async () => {
  const inactive = makeCampaign(A.id, { creatives: [{ duration: 15, status: 'inactive' }] });
  const mixed = makeCampaign(A.id, { creatives: [{ duration: 15, status: 'inactive' }, { duration: 20 }] });
  await waitServable(d, mixed.id);
  assert.equal((await getVast(d, { campaign_id: inactive.id })).noFill, 'no_active_creative');
  for (let i = 0; i < 10; i++) {
    const r = await getVast(d, { campaign_id: mixed.id });
    assert.deepEqual(adsOf(r.text).ads.map((a) => a.id), [mixed.creatives[1]]);
  }
});

test('separation: one ad per advertiser domain and no excluded categories in a pod', async (t) => {
  const g = `sep-${randomUUID().slice(0, 8)}`;
  const domain = `${g}.example.com`;
  // Heaviest weights: these come before the file's other priority-1 campaigns.
  const W = 1000000;
  const same1 = makeCampaign(A.id, { targeting: { content_genres: [g] }, domain, weight: W });
  const same2 = makeCampaign(A.id, { targeting: { content_genres: [g] }, domain, weight: W });
  const other = makeCampaign(A.id, { targeting: { content_genres: [g] }, domain: `other-${domain}`, weight: W });
  sql(`INSERT INTO iab_category_exclusions VALUES ('IAB24-98', 'IAB24-99') ON CONFLICT DO NOTHING`);
  const catA = makeCampaign(A.id, { targeting: { content_genres: [g] }, categories: ['IAB24-98'], domain: `a-${domain}`, weight: W });
  const catB = makeCampaign(A.id, { targeting: { content_genres: [g] }, categories: ['IAB24-99'], domain: `b-${domain}`, weight: W });
  for (const c of [same1, same2, other, catA, catB]) await waitServable(d, c.id, { content_genre: g });
  const sameIds = new Set([...same1.creatives, ...same2.creatives]);
  const catIds = new Set([...catA.creatives, ...catB.creatives]);
  for (let i = 0; i < 20; i++) {
    const r = await getVast(d, { content_genre: g, pod_max_ads: 6 });
    const ids = adsOf(r.text).ads.map((a) => a.id);
    assert.equal(ids.filter((x) => sameIds.has(x)).length, 1, 'one ad of the shared domain');
    assert.equal(ids.filter((x) => catIds.has(x)).length, 1, 'one of two excluded categories');
    assert.ok(ids.includes(other.creatives[0]));
    if (i === 0) await checkVast(r.text, '4.2', t);
  }
});

function evalshaCalls(info) {
  const m = /cmdstat_evalsha:calls=(\d+)/.exec(info);
  return m ? Number(m[1]) : 0;
}

test('frequency caps: two daemons on one Redis never exceed a cap; one EVALSHA per request', async () => {
  const rd = await startRedis();
  const d1 = await startDaemon({ REDIS_URL: rd.url });
  const d2 = await startDaemon({ REDIS_URL: rd.url });
  try {
    const capped = makeCampaign(A.id, { caps: { per_hour: 3 } });
    const free = makeCampaign(A.id, {});
    await waitServable(d1, free.id);
    await waitServable(d2, free.id);
    // Uncapped: no Redis call at all on the response path.
    const before0 = evalshaCalls(await redis(rd.url, 'INFO', 'commandstats'));
    for (let i = 0; i < 5; i++) assert.equal((await getVast(d1, { campaign_id: free.id, ifa: 'viewer-1' })).noFill, null);
    assert.equal(evalshaCalls(await redis(rd.url, 'INFO', 'commandstats')), before0, 'no EVALSHA uncapped');
    // Capped: 20 concurrent requests of one viewer over both daemons -> exactly 3 ads.
    const ifa = `viewer-${randomUUID()}`;
    await sleep(300);
    const before1 = evalshaCalls(await redis(rd.url, 'INFO', 'commandstats'));
    const rs = await Promise.all([...Array(20)].map((_, i) => getVast(i % 2 ? d1 : d2, { campaign_id: capped.id, ifa })));
    const filled = rs.filter((r) => r.noFill === null).length;
    assert.equal(filled, 3, 'per_hour 3 across two instances');
    for (const r of rs.filter((x) => x.noFill !== null)) assert.equal(r.noFill, 'frequency_cap');
    assert.equal(evalshaCalls(await redis(rd.url, 'INFO', 'commandstats')) - before1, 20,
      'one EVALSHA per capped request');
    // Another viewer still gets the ad.
    assert.equal((await getVast(d1, { campaign_id: capped.id, ifa: `viewer-${randomUUID()}` })).noFill, null);
    // No viewer key at all (no ifa, device id, ip+ua): capped campaigns do not serve.
    // (ip and ua come from the connection, so there always is one over HTTP.)
    // The AdServingId carries the slot: "00" then ordinal "01".
    const one = await getVast(d2, { campaign_id: capped.id, ifa: `viewer-${randomUUID()}` });
    assert.match(adsOf(one.text).servingIds[0], /0001$/);
    // A VMAP of three inline breaks reserves for all of them in ONE call:
    // slots 00, 01, 02 of the same reservation, ordinals 01..03.
    await sleep(300);
    const before2 = evalshaCalls(await redis(rd.url, 'INFO', 'commandstats'));
    const vm = await request('GET', `${d1.adUrl}/vmap?campaign_id=${capped.id}&ifa=vm-${randomUUID()}&midrolls=600`);
    assert.equal(vm.status, 200);
    const ids = adsOf(vm.text).servingIds;
    assert.equal(ids.length, 3, 'cap 3: one ad per break');
    assert.deepEqual(ids.map((x) => x.slice(-4)), ['0001', '0102', '0203']);
    assert.equal(new Set(ids.map((x) => x.slice(0, 32))).size, 1, 'one reservation id');
    await sleep(300);
    assert.equal(evalshaCalls(await redis(rd.url, 'INFO', 'commandstats')) - before2, 1, 'one EVALSHA per VMAP');
  } finally {
    await d1.stop();
    await d2.stop();
    await rd.stop();
  }
});

test('catalog freshness: a change through the admin API is served within 1 s', async () => {
  const c = makeCampaign(A.id, {});
  await waitServable(d, c.id, { country: 'US' });
  const t0 = Date.now();
  const put = await api('PUT', `${d.adminUrl}/api/v1/campaigns/${c.id}/targeting`, {
    token: A.token, body: { countries: ['CA'] },
  });
  assert.equal(put.status, 200, put.text);
  let waited;
  for (;;) {
    const r = await getVast(d, { campaign_id: c.id, country: 'US' });
    if (r.noFill === 'targeting') { waited = Date.now() - t0; break; }
    assert.ok(Date.now() - t0 < 1000, 'not served within 1 s');
    await sleep(20);
  }
  assert.ok(waited < 1000, `took ${waited} ms`);
  const st = await api('PUT', `${d.adminUrl}/api/v1/campaigns/${c.id}/status`, { token: A.token, body: { status: 'paused' } });
  assert.equal(st.status, 200, st.text);
  const t1 = Date.now();
  for (;;) {
    const r = await getVast(d, { campaign_id: c.id, country: 'CA' });
    if (r.noFill === 'campaign_not_servable') break;
    assert.ok(Date.now() - t1 < 1000, 'pause not served within 1 s');
    await sleep(20);
  }
});

test('explain: reasons for the caller\'s own campaigns only; admins see all', async () => {
  const g = `exp-${randomUUID().slice(0, 8)}`;
  // Heaviest weights, so the pod of 2 takes these before any other campaign.
  const mine = makeCampaign(A.id, { targeting: { content_genres: [g] }, name: 'Explain Mine', weight: 1000000 });
  const mismatch = makeCampaign(A.id, { targeting: { content_genres: ['other'] }, name: 'Explain Miss' });
  const theirs = makeCampaign(B.id, { targeting: { content_genres: [g] }, weight: 1000000 });
  await waitServable(d, mine.id, { content_genre: g });
  await waitServable(d, theirs.id, { content_genre: g });
  const url = `${d.adminUrl}/api/v1/decisions/explain?content_genre=${g}&pod_max_ads=2&country=US`;
  const r = await api('GET', url, { token: A.token });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(Object.keys(r.json), ['request', 'chosen', 'campaigns', 'no_fill_reason']);
  assert.equal(r.json.request.content_genre, g);
  assert.equal(r.json.request.country, 'US');
  assert.equal(r.json.request.pod_max_ads, 2);
  const byId = Object.fromEntries(r.json.campaigns.map((c) => [c.campaign_id, c]));
  assert.equal(byId[mine.id].reason, 'chosen');
  assert.equal(byId[mine.id].name, 'Explain Mine');
  assert.equal(byId[mismatch.id].reason, 'targeting');
  assert.match(byId[mismatch.id].detail, /content_genre "exp-[0-9a-f]+" is not targeted/);
  assert.equal(byId[theirs.id], undefined, 'another owner\'s campaign is hidden');
  assert.ok(r.json.chosen.every((c) => byId[c.campaign_id]), 'chosen only lists own campaigns');
  assert.ok(r.json.chosen.some((c) => c.campaign_id === mine.id && c.creative_id === mine.creatives[0]));
  assert.equal(r.json.no_fill_reason, null);
  const adm = await api('GET', url, { token: ADMIN.token });
  const admIds = adm.json.campaigns.map((c) => c.campaign_id);
  assert.ok(admIds.includes(mine.id) && admIds.includes(theirs.id));
  const none = await api('GET', `${d.adminUrl}/api/v1/decisions/explain?campaign_id=${mismatch.id}&content_genre=${g}`, { token: A.token });
  assert.equal(none.json.no_fill_reason, 'targeting');
  assert.deepEqual(none.json.chosen, []);
  const bad = await api('GET', `${d.adminUrl}/api/v1/decisions/explain?pod_max_ads=99`, { token: A.token });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.details[0].field, 'pod_max_ads');
  const anon = await request('GET', `${d.adminUrl}/api/v1/decisions/explain`);
  assert.equal(anon.status, 401);
});
