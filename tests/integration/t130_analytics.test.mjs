// Analytics (docs/admin-api.md) over real HTTP: the
// reference suite's numbers, JSON number types, inclusive date filters,
// ownership. Stats and impressions are inserted with sql().
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startDaemon, api, sql, createUser } from '../lib/harness.mjs';

let d;
let A;
let B;
let active;
let paused;
const summaryUrl = (q = '') => `${d.adminUrl}/api/v1/analytics/summary${q}`;
const campaignUrl = (id, q = '') => `${d.adminUrl}/api/v1/analytics/campaigns/${id}${q}`;

function addCampaign(userId, { name, status, budget, spent, createdAt = 'now()' }) {
  const [[id]] = sql(`INSERT INTO campaigns (name, description, status, budget_total, budget_spent, start_date,
      end_date, created_by, pricing_model, cpm_rate, created_at) VALUES (:'n', NULL, :'s', :'b', :'sp',
      '2025-01-01', '2025-12-31', :'u', 'cpm', 5, ${createdAt}) RETURNING id`,
  { n: name, s: status, b: budget, sp: spent, u: userId });
  return id;
}
function addStats(campaignId, date, imp, clicks, comp, spend) {
  sql(`INSERT INTO campaign_daily_stats (campaign_id, date, impressions_count, clicks_count,
      completions_count, spend_amount) VALUES (:'c', ${date}, :i, :k, :p, :s)`,
  { c: campaignId, i: imp, k: clicks, p: comp, s: spend });
}
function addCreative(campaignId, userId, name) {
  const [[id]] = sql(`INSERT INTO creatives (campaign_id, name, video_url, duration, file_size, width, height,
      format, status, uploaded_by) VALUES (:'c', :'n', 'http://localhost:4566/b/' || :'n' || '.mp4', 30, 10, 640, 360,
      'mp4', 'active', :'u') RETURNING id`, { c: campaignId, n: name, u: userId });
  return id;
}
function addImpressions(creativeId, campaignId, n, completed, at) {
  sql(`INSERT INTO impressions (creative_id, campaign_id, device_type, location_country, served_at, completed)
       SELECT :'cr', :'c', 'ctv', 'US', :'at', g <= ${completed} FROM generate_series(1, ${n}) g`,
  { cr: creativeId, c: campaignId, at });
}

before(async () => {
  d = await startDaemon();
  A = createUser();
  B = createUser();
  // the reference suite's fixture: active 5000 / paused 3000, spent 1000 / 500
  active = addCampaign(A.id, { name: 'Active', status: 'active', budget: '5000', spent: '1000', createdAt: "now() - interval '1 day'" });
  paused = addCampaign(A.id, { name: 'Paused', status: 'paused', budget: '3000', spent: '500' });
  addStats(active, "'2025-01-15'", 1000, 50, 800, '100');
  addStats(active, "'2025-01-16'", 1500, 75, 1200, '150');
  addStats(paused, "'2025-01-16'", 500, 25, 400, '50');
});
after(async () => {
  for (const u of [A, B]) {
    sql(`DELETE FROM impressions WHERE campaign_id IN (SELECT id FROM campaigns WHERE created_by = :'u');
         DELETE FROM campaigns WHERE created_by = :'u'; DELETE FROM users WHERE id = :'u'`, { u: u.id });
  }
  await d.stop();
});

test('summary: the reference suite\'s numbers, all JSON numbers', async () => {
  const r = await api('GET', summaryUrl(), { token: A.token });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(Object.keys(r.json), ['summary', 'timeSeries', 'topCampaigns']);
  assert.deepEqual(r.json.summary, {
    totalCampaigns: 2, activeCampaigns: 1, pausedCampaigns: 1, completedCampaigns: 0,
    totalBudget: 8000, totalSpent: 1500, budgetRemaining: 6500, budgetUtilization: 18.75,
    totalImpressions: 3000, totalClicks: 150, totalCompletions: 2400, ctr: 5, completionRate: 80,
  });
  assert.deepEqual(Object.keys(r.json.summary), ['totalCampaigns', 'activeCampaigns', 'pausedCampaigns',
    'completedCampaigns', 'totalBudget', 'totalSpent', 'budgetRemaining', 'budgetUtilization',
    'totalImpressions', 'totalClicks', 'totalCompletions', 'ctr', 'completionRate']);
  assert.match(r.text, /"ctr":5,"completionRate":80\}/); // 5, not 5.0 or "5"
  assert.deepEqual(r.json.timeSeries, [
    { date: '2025-01-15T00:00:00.000Z', impressions: 1000, clicks: 50, completions: 800, spend: 100 },
    { date: '2025-01-16T00:00:00.000Z', impressions: 2000, clicks: 100, completions: 1600, spend: 200 },
  ]);
  assert.deepEqual(r.json.topCampaigns, [
    { id: active, name: 'Active', status: 'active', budgetTotal: 5000, budgetSpent: 1000, impressions: 2500, clicks: 125, spend: 250, ctr: 5 },
    { id: paused, name: 'Paused', status: 'paused', budgetTotal: 3000, budgetSpent: 500, impressions: 500, clicks: 25, spend: 50, ctr: 5 },
  ]);
});

test('summary date filters are inclusive and apply to stats only, not to campaign counts or budgets', async () => {
  let r = await api('GET', summaryUrl('?start_date=2025-01-16&end_date=2025-01-16'), { token: A.token });
  assert.equal(r.status, 200);
  assert.equal(r.json.summary.totalCampaigns, 2);
  assert.equal(r.json.summary.totalBudget, 8000);
  assert.equal(r.json.summary.totalImpressions, 2000);
  assert.deepEqual(r.json.timeSeries.map((t) => t.date), ['2025-01-16T00:00:00.000Z']);
  r = await api('GET', summaryUrl('?start_date=2025-01-15'), { token: A.token });
  assert.equal(r.json.summary.totalImpressions, 3000);
  r = await api('GET', summaryUrl('?end_date=2025-01-15'), { token: A.token });
  assert.equal(r.json.summary.totalImpressions, 1000);
  assert.deepEqual(r.json.topCampaigns.map((t) => [t.name, t.impressions, t.ctr]), [['Active', 1000, 5], ['Paused', 0, 0]]);
  r = await api('GET', summaryUrl('?start_date=2025-02-01'), { token: A.token });
  assert.deepEqual([r.json.summary.totalImpressions, r.json.summary.ctr, r.json.summary.completionRate], [0, 0, 0]);
  assert.deepEqual(r.json.timeSeries, []);
  assert.equal(r.json.topCampaigns.length, 2); // every campaign, with zeros
  // PostgreSQL date syntax other than ISO is accepted as the reference passes it through
  r = await api('GET', summaryUrl('?start_date=Jan%2016%202025&end_date=20250116'), { token: A.token });
  assert.equal(r.json.summary.totalImpressions, 2000);
  // other parameters are ignored; an empty bound is no bound
  r = await api('GET', summaryUrl('?foo=bar&start_date='), { token: A.token });
  assert.equal(r.json.summary.totalImpressions, 3000);
});

test('summary: unparsable dates are 500 ANALYTICS_RETRIEVAL_FAILED [quirk]', async () => {
  for (const q of ['?start_date=not-a-date', '?end_date=2025-13-45', "?start_date=2025-01-01'%20OR%201=1--",
    '?start_date=a&start_date=b', '?end_date[x]=1']) {
    const r = await api('GET', summaryUrl(q), { token: A.token });
    assert.equal(r.status, 500, q);
    assert.equal(r.text, '{"error":{"message":"Failed to retrieve summary analytics","code":"ANALYTICS_RETRIEVAL_FAILED"}}');
  }
});

test('summary of a user without campaigns is all zeros and empty arrays; B never sees A', async () => {
  const r = await api('GET', summaryUrl(), { token: B.token });
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, {
    summary: { totalCampaigns: 0, activeCampaigns: 0, pausedCampaigns: 0, completedCampaigns: 0, totalBudget: 0,
      totalSpent: 0, budgetRemaining: 0, budgetUtilization: 0, totalImpressions: 0, totalClicks: 0,
      totalCompletions: 0, ctr: 0, completionRate: 0 },
    timeSeries: [],
    topCampaigns: [],
  });
});

test('summary rounds ratios to two decimals as numbers and keeps at most 10 top campaigns', async () => {
  const U = createUser();
  const ids = [];
  for (let i = 0; i < 12; i++) ids.push(addCampaign(U.id, { name: `C${i}`, status: 'completed', budget: '3', spent: '1' }));
  addStats(ids[5], 'CURRENT_DATE', 3, 1, 2, '0.10');
  addStats(ids[7], 'CURRENT_DATE', 6, 1, 0, '0.20');
  const r = await api('GET', summaryUrl(), { token: U.token });
  assert.equal(r.json.summary.completedCampaigns, 12);
  assert.equal(r.json.summary.totalBudget, 36);
  assert.equal(r.json.summary.budgetRemaining, 24);
  assert.equal(r.json.summary.budgetUtilization, 33.33);
  assert.equal(r.json.summary.ctr, 22.22);
  assert.equal(r.json.summary.completionRate, 22.22);
  assert.equal(r.json.topCampaigns.length, 10);
  assert.deepEqual(r.json.topCampaigns.slice(0, 2).map((t) => [t.name, t.impressions, t.ctr, t.spend]),
    [['C7', 6, 16.67, 0.2], ['C5', 3, 33.33, 0.1]]);
  assert.equal(r.json.timeSeries.length, 1);
  assert.equal(r.json.timeSeries[0].spend, 0.3);
  sql(`DELETE FROM campaigns WHERE created_by = :'u'; DELETE FROM users WHERE id = :'u'`, { u: U.id });
});

test('campaign analytics: dailyStats with per-row ctr/completionRate numbers, the MUST row', async () => {
  const r = await api('GET', campaignUrl(active), { token: A.token });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(Object.keys(r.json), ['dailyStats', 'creativeBreakdown']);
  assert.deepEqual(r.json.dailyStats, [
    { date: '2025-01-15T00:00:00.000Z', impressions: 1000, clicks: 50, completions: 800, spend: 100, ctr: 5, completionRate: 80 },
    { date: '2025-01-16T00:00:00.000Z', impressions: 1500, clicks: 75, completions: 1200, spend: 150, ctr: 5, completionRate: 80 },
  ]);
  assert.deepEqual(r.json.creativeBreakdown, []);
  const f = await api('GET', campaignUrl(active, '?start_date=2025-01-16&end_date=2025-01-16'), { token: A.token });
  assert.deepEqual(f.json.dailyStats.map((s) => s.date), ['2025-01-16T00:00:00.000Z']);
});

test('campaign analytics: creativeBreakdown from impressions, completionRate "66.67" string or number 0 [quirk]', async () => {
  const cid = addCampaign(A.id, { name: 'Breakdown', status: 'active', budget: '100', spent: '0' });
  const busy = addCreative(cid, A.id, 'busy');
  const idle = addCreative(cid, A.id, 'idle');
  const half = addCreative(cid, A.id, 'half');
  addImpressions(busy, cid, 3, 2, '2025-03-01T12:00:00Z');
  addImpressions(half, cid, 2, 1, '2025-03-02T23:59:59Z');
  addStats(cid, "'2025-03-01'", 0, 0, 0, '0');
  let r = await api('GET', campaignUrl(cid), { token: A.token });
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.dailyStats, [{ date: '2025-03-01T00:00:00.000Z', impressions: 0, clicks: 0, completions: 0, spend: 0, ctr: 0, completionRate: 0 }]);
  assert.deepEqual(r.json.creativeBreakdown, [
    { id: busy, name: 'busy', videoUrl: 'http://localhost:4566/b/busy.mp4', status: 'active', impressions: 3, completions: 2, completionRate: '66.67' },
    { id: half, name: 'half', videoUrl: 'http://localhost:4566/b/half.mp4', status: 'active', impressions: 2, completions: 1, completionRate: '50.00' },
    { id: idle, name: 'idle', videoUrl: 'http://localhost:4566/b/idle.mp4', status: 'active', impressions: 0, completions: 0, completionRate: 0 },
  ]);
  assert.match(r.text, /"completionRate":0\}\]\}$/);
  // served_at dates filter inclusively
  r = await api('GET', campaignUrl(cid, '?start_date=2025-03-02&end_date=2025-03-02'), { token: A.token });
  assert.equal(r.json.creativeBreakdown[0].name, 'half');
  assert.ok(r.json.creativeBreakdown.slice(1).every((c) => c.impressions === 0 && c.completionRate === 0));
  r = await api('GET', campaignUrl(cid, '?end_date=2025-03-01'), { token: A.token });
  assert.deepEqual(r.json.creativeBreakdown.map((c) => c.impressions), [3, 0, 0]);
});

test('campaign analytics: 404 for foreign and missing, 500 for malformed ids and dates [quirk]', async () => {
  for (const [token, id] of [[B.token, active], [A.token, randomUUID()]]) {
    const r = await api('GET', campaignUrl(id), { token });
    assert.equal(r.status, 404);
    assert.equal(r.text, '{"error":{"message":"Campaign not found","code":"CAMPAIGN_NOT_FOUND"}}');
  }
  const failed = '{"error":{"message":"Failed to retrieve campaign analytics","code":"ANALYTICS_RETRIEVAL_FAILED"}}';
  for (const url of [campaignUrl('not-a-uuid'), campaignUrl("1'%20OR%20'1'='1"), campaignUrl(active, '?start_date=garbage')]) {
    const r = await api('GET', url, { token: A.token });
    assert.equal(r.status, 500, url);
    assert.equal(r.text, failed);
  }
  // no token: 401 before anything
  for (const url of [summaryUrl(), campaignUrl('x')]) {
    const r = await api('GET', url);
    assert.equal(r.status, 401);
  }
});
