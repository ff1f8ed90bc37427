// VAST answers spliced from fragments pre-rendered at catalog build: the
// fragment path really serves (adserverd_vast_renders_total{path=
// "fragments"} grows) for a single ad and a pod in every version, and its
// documents validate against the IAB XSDs and parse in the player library;
// a campaign whose click-through has a character outside the URL alphabet
// is served by the tree renderer instead (path="tree" grows), also valid.
// Served tracking URLs use the public base URL. An inline VMAP whose
// breaks all fill is spliced too (adserverd_vmap_renders_total).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startDaemon, createUser, request, sql } from '../lib/harness.mjs';
import {
  makeCampaign, getVast, waitServable, checkVast, xsdCheck, vmapParse, adsOf, cleanupOwner,
} from '../lib/serving.mjs';

let d;
let A;
let clean;
let odd;
const pod = [];
const GENRE = `frag-${randomUUID().slice(0, 8)}`;
const OTHER = `solo-${randomUUID().slice(0, 8)}`; // keeps the two singles out of the pods

async function renders(path, what = 'vast') {
  const r = await request('GET', `${d.adminUrl}/metrics`);
  const m = r.text.match(new RegExp(`^adserverd_${what}_renders_total\\{path="${path}"\\} (\\d+)$`, 'm'));
  assert.ok(m, `adserverd_${what}_renders_total{path="${path}"} missing`);
  return Number(m[1]);
}

before(async () => {
  d = await startDaemon({ ADSERVERD_PUBLIC_URL: 'https://ads.example.tv' });
  A = createUser();
  clean = makeCampaign(A.id, { name: 'Tom & Jerry <fragments> "quoted"',
    click: 'https://adv.example.com/land?ifa=[IFA]&cb=[CACHEBUSTING]', categories: ['IAB2-3'],
    targeting: { content_genres: [OTHER] } });
  odd = makeCampaign(A.id, { click: 'https://adv.example.com/land?q=caf\u00e9',
    targeting: { content_genres: [OTHER] } });
  for (let i = 0; i < 4; i++) {
    pod.push(makeCampaign(A.id, { targeting: { content_genres: [GENRE] }, domain: `frag${i}.example.com` }));
  }
  await waitServable(d, clean.id, { content_genre: OTHER });
  await waitServable(d, odd.id, { content_genre: OTHER });
  for (const c of pod) await waitServable(d, c.id, { content_genre: GENRE });
});
after(async () => {
  cleanupOwner(A.id);
  await d.stop();
});

test('single ads and pods of every version come from fragments and validate', async (t) => {
  const f0 = await renders('fragments');
  let served = 0;
  for (const v of ['3.0', '4.0', '4.1', '4.2']) {
    const one = await getVast(d, { campaign_id: clean.id, content_genre: OTHER, vast_version: v,
      ifa: randomUUID() });
    assert.equal(one.noFill, null);
    await checkVast(one.text, v, t);
    assert.match(one.text, /<AdTitle>Tom &amp; Jerry &lt;fragments&gt; "quoted"<\/AdTitle>/);
    assert.match(one.text, /<!\[CDATA\[https:\/\/ads\.example\.tv\/t\//);
    const p = await getVast(d, { content_genre: GENRE, pod_max_ads: 4, vast_version: v, ifa: randomUUID() });
    assert.equal(p.noFill, null);
    await checkVast(p.text, v, t);
    const { ads } = adsOf(p.text);
    assert.equal(ads.length, 4);
    assert.deepEqual(ads.map((a) => a.sequence), [1, 2, 3, 4]);
    served += 2;
  }
  assert.equal((await renders('fragments')) - f0, served, 'every answer spliced');
});

test('a click-through outside the URL alphabet falls back to the tree, same validity', async (t) => {
  const t0 = await renders('tree');
  const r = await getVast(d, { campaign_id: odd.id, content_genre: OTHER, ifa: randomUUID() });
  assert.equal(r.noFill, null);
  await checkVast(r.text, '4.2', t);
  assert.ok(r.text.includes('caf\u00e9'), 'the click-through is served as given');
  assert.equal((await renders('tree')) - t0, 1);
  // The campaign row is unchanged by serving.
  const [[url]] = sql(`SELECT click_through_url FROM campaign_serving WHERE campaign_id = :'c'`, { c: odd.id });
  assert.equal(url, 'https://adv.example.com/land?q=caf\u00e9');
});

test('an inline VMAP whose breaks all fill comes from fragments and validates', async (t) => {
  const f0 = await renders('fragments', 'vmap');
  const r = await request('GET', `${d.adUrl}/vmap?content_genre=${GENRE}&pod_max_ads=2&midrolls=300,900&content_duration=1200&ifa=${randomUUID()}`);
  assert.equal(r.status, 200);
  xsdCheck(r.text, 'vmap', t);
  const s = await vmapParse(r.text);
  assert.deepEqual(s.adBreaks.map((b) => [b.timeOffset, b.breakId]),
    [['start', 'preroll'], ['00:05:00.000', 'midroll-1'], ['00:15:00.000', 'midroll-2'], ['end', 'postroll']]);
  for (const b of s.adBreaks) {
    assert.deepEqual(b.adSource.vast.ads.map((a) => String(a.sequence)), ['1', '2'], b.breakId);
  }
  const ids = s.adBreaks.flatMap((b) => b.adSource.vast.ads.map((a) => a.adServingId));
  assert.equal(new Set(ids).size, 8, 'AdServingIds unique across the playlist');
  assert.equal((await renders('fragments', 'vmap')) - f0, 1, 'spliced');
});
