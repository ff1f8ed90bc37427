// tests/lib/serving.mjs: what the ad-serving tests (t2NN) share: servable
// campaigns written straight into PostgreSQL (the catalog builder picks
// them up through the NOTIFY triggers), schema validation with xmllint
// against the IAB XSDs in ../shared/vast (read in place), and the npm
// player parsers.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql, request, sleep, SHARED_DIR } from './harness.mjs';
import { summarizeVastString } from './vast-parse.mjs';
import { summarizeVmapString } from './vmap-parse.mjs';

export const VAST_DIR = path.join(SHARED_DIR, 'vast');
export const HAVE_XSD = fs.existsSync(path.join(VAST_DIR, 'vast_4.2.xsd'));
export const SCHEMAS = {
  '3.0': 'vast3_draft.xsd', '4.0': 'vast4.xsd', '4.1': 'vast_4.1.xsd', '4.2': 'vast_4.2.xsd',
  vmap: 'vmap_1.0.1-vast4.2-local.xsd',
};

// Validate xml against one of SCHEMAS with xmllint; macro brackets masked
// (libxml2 rejects [ ] in xs:anyURI, and macros are legal in VAST URLs).
// Returns 'skipped' when the schema folder is missing, else throws on failure.
export function xsdCheck(xml, which, t) {
  if (!HAVE_XSD) {
    if (t) t.skip(`${VAST_DIR} missing: schema validation skipped`);
    return 'skipped';
  }
  const masked = xml.replace(/\[([A-Z][A-Z0-9_]*)\]/g, '%5B$1%5D');
  try {
    execFileSync('xmllint', ['--noout', '--nonet', '--schema', path.join(VAST_DIR, SCHEMAS[which]), '-'],
      { input: masked, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (e) {
    assert.fail(`xmllint (${SCHEMAS[which]}) rejected the document:\n${e.stderr}\n${xml.slice(0, 2000)}`);
  }
  return 'ok';
}

// Parse with @dailymotion/vast-client; no XML error, no VAST error (but 303
// "no ad" when allowNoAd), no warning. vast-client checks the elements VAST
// 4.1 requires whatever the document's version, so a 3.0 or 4.0 document
// (whose schema has no AdServingId, or in 3.0 no UniversalAdId) gets
// specVersion-4.1 warnings: those, and only those, are allowed below 4.1.
export async function vastParse(xml, { allowNoAd = false } = {}) {
  const s = await summarizeVastString(xml);
  assert.ok(s.ok, `vast-client could not parse: ${s.error}`);
  assert.deepEqual(s.xmlErrors, [], 'xmldom complaints');
  const errs = s.errors.filter((e) => !(allowNoAd && e.code === 303));
  assert.deepEqual(errs, [], 'vast-client errors');
  const docVersion = Number(s.version);
  const warns = s.warnings.filter((w) => !(Number(w.specVersion) > docVersion &&
    /'(AdServingId|UniversalAdId)'/.test(w.message)));
  assert.deepEqual(warns, [], 'vast-client warnings');
  return s;
}

export async function vmapParse(xml) {
  const s = await summarizeVmapString(xml);
  assert.ok(s.ok, `@dailymotion/vmap could not parse: ${s.error}`);
  assert.deepEqual(s.xmlErrors, []);
  for (const b of s.adBreaks) {
    if (b.adSource && b.adSource.vast) {
      const v = b.adSource.vast;
      assert.ok(v.ok, `inline VAST of ${b.breakId}: ${v.error}`);
      assert.deepEqual(v.xmlErrors, []);
      assert.deepEqual(v.errors.filter((e) => !(v.ads.length === 0 && e.code === 303)), [],
        `inline VAST errors of ${b.breakId}`);
      assert.deepEqual(v.warnings, [], `inline VAST warnings of ${b.breakId}`);
    }
  }
  return s;
}

// Check a VAST answer both ways; resolves to the vast-client summary.
export async function checkVast(xml, version = '4.2', t, opts = {}) {
  xsdCheck(xml, version, t);
  return vastParse(xml, opts);
}

const iso = (ms) => new Date(ms).toISOString();
const DAY = 86400000;

// A servable campaign (or not, as asked) with its creatives and settings.
// Returns { id, creatives: [ids] }.
export function makeCampaign(owner, {
  name = `Serving ${randomUUID().slice(0, 8)}`, status = 'active', start = Date.now() - DAY,
  end = Date.now() + 30 * DAY, budget = 1000, spent = 0, cpm = 10,
  creatives = [{ duration: 15 }], targeting = null, caps = null, priority = 1, weight = 100,
  pacing = 'asap', domain = null, categories = [], click = null, timeZone = 'UTC',
} = {}) {
  const [[id]] = sql(`INSERT INTO campaigns (name, status, budget_total, budget_spent, start_date,
      end_date, created_by, pricing_model, cpm_rate)
    VALUES (:'name', 'draft', :'budget', :'spent', :'start', :'end', :'owner', 'cpm', :'cpm')
    RETURNING id`, { name, budget, spent, start: iso(start), end: iso(end), owner, cpm });
  const ids = [];
  for (const c of creatives) {
    const [[cid]] = sql(`INSERT INTO creatives (campaign_id, name, video_url, duration, width,
        height, format, status, uploaded_by)
      VALUES (:'c', 'creative', :'url', :'d', 1280, 720, 'mp4', :'st', :'owner') RETURNING id`,
    { c: id, url: `https://cdn.example.com/${randomUUID()}.mp4`, d: c.duration, st: c.status || 'active', owner });
    ids.push(cid);
  }
  const arr = (a) => `{${(a || []).map((x) => `"${x}"`).join(',')}}`;
  sql(`INSERT INTO campaign_serving (campaign_id, priority, weight, pacing_mode, time_zone,
      advertiser_domain, iab_categories, click_through_url)
    VALUES (:'c', :'p', :'w', :'pm', :'tz', NULLIF(:'dom', ''), :'cats', NULLIF(:'click', ''))`,
  { c: id, p: priority, w: weight, pm: pacing, tz: timeZone, dom: domain || '', cats: arr(categories), click: click || '' });
  if (targeting) {
    const t = targeting;
    sql(`INSERT INTO campaign_targeting (campaign_id, countries, regions, dmas, device_types, os,
        app_bundles, content_genres, content_ratings, content_categories, livestream, dayparts)
      VALUES (:'c', :'a', :'b', :'d', :'e', :'f', :'g', :'h', :'i', :'j', :'l', :'dp')`,
    { c: id, a: arr(t.countries), b: arr(t.regions), d: arr(t.dmas), e: arr(t.device_types), f: arr(t.os),
      g: arr(t.app_bundles), h: arr(t.content_genres), i: arr(t.content_ratings), j: arr(t.content_categories),
      l: t.livestream || 'any', dp: `{${(t.dayparts || [0, 0, 0, 0, 0, 0, 0]).join(',')}}` });
  }
  if (caps) {
    sql(`INSERT INTO campaign_caps (campaign_id, per_hour, per_day, per_week)
      VALUES (:'c', NULLIF(:'h', '')::int, NULLIF(:'d', '')::int, NULLIF(:'w', '')::int)`,
    { c: id, h: caps.per_hour ?? '', d: caps.per_day ?? '', w: caps.per_week ?? '' });
  }
  // Written as a draft, published last: the catalog never sees it half made.
  sql(`UPDATE campaigns SET status = :'st' WHERE id = :'c'`, { st: status, c: id });
  return { id, creatives: ids };
}

export const vastUrl = (d, q = {}) => `${d.adUrl}/vast?${new URLSearchParams(q)}`;

export async function getVast(d, q = {}, route = '/vast') {
  const r = await request('GET', `${d.adUrl}${route}?${new URLSearchParams(q)}`);
  return { ...r, noFill: r.headers['x-adserverd-no-fill'] ?? null };
}

// Wait until the campaign fills (the catalog saw it); resolves to ms waited.
export async function waitServable(d, campaignId, q = {}, timeoutMs = 5000) {
  const t0 = Date.now();
  for (;;) {
    const r = await getVast(d, { ...q, campaign_id: campaignId });
    if (r.status === 200 && !r.noFill) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) assert.fail(`campaign ${campaignId} never served: ${r.noFill}`);
    await sleep(25);
  }
}

// The <Ad> count, sequences, AdServingIds and advertisers of a VAST text.
export function adsOf(xml) {
  const ads = [...xml.matchAll(/<Ad id="([^"]+)"( sequence="(\d+)")?/g)].map((m) => ({ id: m[1], sequence: m[3] ? Number(m[3]) : null }));
  const servingIds = [...xml.matchAll(/<AdServingId>([^<]+)<\/AdServingId>/g)].map((m) => m[1]);
  return { ads, servingIds };
}

export function cleanupOwner(ownerId) {
  sql(`DELETE FROM campaigns WHERE created_by = :'u'; DELETE FROM users WHERE id = :'u'`, { u: ownerId });
}
