// Campaign endpoints (docs/admin-api.md: validation, ownership, pricing
// messages) over real HTTP against a
// real adserverd and PostgreSQL. Rows the contract says tests write directly
// (creatives, daily stats, impressions) are inserted with sql().
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startDaemon, api, request, rawRequest, sql, createUser } from '../lib/harness.mjs';

let d;
let A; // the owner
let B; // another advertiser: must never see A's campaigns
const url = (p) => `${d.adminUrl}/api/v1/campaigns${p}`;

const ISO_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const ROW_KEYS = ['id', 'name', 'description', 'status', 'budget_total', 'budget_spent', 'start_date',
  'end_date', 'created_by', 'created_at', 'updated_at', 'pricing_model', 'cpm_rate', 'cpc_rate',
  'cpv_rate'];
const VALID = {
  name: 'Spring Campaign', budget_total: 1000, start_date: '2025-01-01', end_date: '2025-12-31',
  cpm_rate: 5,
};

before(async () => {
  d = await startDaemon();
  A = createUser();
  B = createUser();
});
after(async () => {
  for (const u of [A, B]) {
    sql(`DELETE FROM impressions WHERE campaign_id IN (SELECT id FROM campaigns WHERE created_by = :'u');
         DELETE FROM campaigns WHERE created_by = :'u'; DELETE FROM users WHERE id = :'u'`, { u: u.id });
  }
  await d.stop();
});

async function create(token, body = VALID) {
  const r = await api('POST', url(''), { token, body });
  assert.equal(r.status, 201, r.text);
  return r.json.campaign;
}
function addCreative(campaignId, userId, name = 'Creative') {
  const [[id]] = sql(`INSERT INTO creatives (campaign_id, name, video_url, duration, file_size, width,
      height, format, status, uploaded_by) VALUES (:'c', :'n', 'http://localhost:4566/b/campaigns/x/creatives/y.mp4',
      30, 1000000, 1920, 1080, 'mp4', 'active', :'u') RETURNING id`, { c: campaignId, n: name, u: userId });
  return id;
}
function addStats(campaignId, date, imp, clicks, comp, spend) {
  sql(`INSERT INTO campaign_daily_stats (campaign_id, date, impressions_count, clicks_count,
      completions_count, spend_amount) VALUES (:'c', :'d', :i, :k, :p, :s)`,
  { c: campaignId, d: date, i: imp, k: clicks, p: comp, s: spend });
}
const validationBody = (field, message) => ({ error: { message: 'Validation failed', details: [{ field, message }] } });

// ---------------------------------------------------------------------------
// Create
// ---------------------------------------------------------------------------

test('POST creates a draft owned by the caller, row keys in order with the contract types', async () => {
  const r = await api('POST', url(''), { token: A.token, body: { ...VALID, description: 'desc', cpc_rate: '0.5' } });
  assert.equal(r.status, 201);
  assert.deepEqual(Object.keys(r.json), ['message', 'campaign']);
  assert.equal(r.json.message, 'Campaign created successfully');
  const c = r.json.campaign;
  assert.deepEqual(Object.keys(c), ROW_KEYS);
  assert.match(c.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(c.name, 'Spring Campaign');
  assert.equal(c.description, 'desc');
  assert.equal(c.status, 'draft');
  assert.equal(c.budget_total, '1000.00');
  assert.equal(c.budget_spent, '0.00');
  assert.equal(c.start_date, '2025-01-01T00:00:00.000Z');
  assert.equal(c.end_date, '2025-12-31T00:00:00.000Z');
  assert.equal(c.created_by, A.id);
  assert.match(c.created_at, ISO_RE);
  assert.match(c.updated_at, ISO_RE);
  assert.equal(c.pricing_model, 'cpm');
  assert.equal(c.cpm_rate, '5.00');
  assert.equal(c.cpc_rate, '0.50'); // a rate of another model is stored as given
  assert.equal(c.cpv_rate, null);
  const [[status, by]] = sql(`SELECT status, created_by FROM campaigns WHERE id = :'id'`, { id: c.id });
  assert.deepEqual([status, by], ['draft', A.id]);
});

test('POST rounds money half-up to cents and converts numeric strings', async () => {
  let c = await create(A.token, { ...VALID, budget_total: 100.555, cpm_rate: '1234.567e-3' });
  assert.equal(c.budget_total, '100.56');
  assert.equal(c.cpm_rate, '1.23');
  c = await create(A.token, { ...VALID, budget_total: '1234.567' });
  assert.equal(c.budget_total, '1234.57');
  c = await create(A.token, { ...VALID, budget_total: 1000000000, cpm_rate: 1000 });
  assert.equal(c.budget_total, '1000000000.00');
  assert.equal(c.cpm_rate, '1000.00');
  c = await create(A.token, { ...VALID, cpm_rate: 0.005 }); // rounds up to the minimum
  assert.equal(c.cpm_rate, '0.01');
});

test('POST: description absent, null and "" are stored as null; dates keep their instant', async () => {
  for (const description of [undefined, null, '']) {
    const c = await create(A.token, { ...VALID, description });
    assert.equal(c.description, null);
  }
  const c = await create(A.token, { ...VALID, start_date: '2025-03-01T10:20:30.456+02:00', end_date: '2025-02-30' });
  assert.equal(c.start_date, '2025-03-01T08:20:30.456Z');
  assert.equal(c.end_date, '2025-03-02T00:00:00.000Z'); // Feb 30 rolls over [quirk]
});

test('POST pricing models: flat needs no rate; cpc and cpv need their own rate', async () => {
  let c = await create(A.token, { name: 'Flat', budget_total: 10, start_date: '2025-01-01', end_date: '2025-02-01', pricing_model: 'flat' });
  assert.equal(c.pricing_model, 'flat');
  assert.equal(c.cpm_rate, null);
  c = await create(A.token, { ...VALID, cpm_rate: undefined, pricing_model: 'cpc', cpc_rate: 0.25 });
  assert.deepEqual([c.pricing_model, c.cpc_rate, c.cpm_rate], ['cpc', '0.25', null]);
  c = await create(A.token, { ...VALID, cpm_rate: undefined, pricing_model: 'cpv', cpv_rate: 100 });
  assert.deepEqual([c.pricing_model, c.cpv_rate], ['cpv', '100.00']);
});

// [body overrides (undefined deletes the key), field, message]: the tables of 3.3.3 in order.
const long = (n, ch = 'x') => ch.repeat(n);
const CREATE_CASES = [
  [{ name: undefined }, 'name', 'Campaign name is required'],
  [{ name: 5 }, 'name', '"name" must be a string'],
  [{ name: null }, 'name', '"name" must be a string'],
  [{ name: ['a', 'b', 'c'] }, 'name', '"name" must be a string'],
  [{ name: '' }, 'name', '"name" is not allowed to be empty'],
  [{ name: 'ab' }, 'name', 'Campaign name must be at least 3 characters long'],
  [{ name: long(256) }, 'name', 'Campaign name cannot exceed 255 characters'],
  [{ name: long(128, '😀') }, 'name', 'Campaign name cannot exceed 255 characters'], // 256 UTF-16 units
  [{ description: long(1001) }, 'description', 'Description cannot exceed 1000 characters'],
  [{ description: 5 }, 'description', '"description" must be a string'],
  [{ budget_total: undefined }, 'budget_total', 'Budget is required'],
  [{ budget_total: null }, 'budget_total', '"budget_total" must be a number'],
  [{ budget_total: '' }, 'budget_total', '"budget_total" must be a number'],
  [{ budget_total: 'abc' }, 'budget_total', '"budget_total" must be a number'],
  [{ budget_total: true }, 'budget_total', '"budget_total" must be a number'],
  [{ budget_total: [100] }, 'budget_total', '"budget_total" must be a number'],
  [{ budget_total: { a: 1 } }, 'budget_total', '"budget_total" must be a number'],
  [{ budget_total: -100 }, 'budget_total', 'Budget must be a positive number'],
  [{ budget_total: 0 }, 'budget_total', 'Budget must be a positive number'],
  [{ budget_total: 0.004 }, 'budget_total', 'Budget must be a positive number'],
  [{ budget_total: 0.5 }, 'budget_total', 'Budget must be at least $1'],
  [{ budget_total: 1000000000.01 }, 'budget_total', 'Budget cannot exceed $1,000,000,000'],
  [{ budget_total: 1e15 }, 'budget_total', 'Budget cannot exceed $1,000,000,000'],
  [{ budget_total: 1e16 }, 'budget_total', '"budget_total" must be a safe number'],
  [{ budget_total: '99999999999999999999' }, 'budget_total', '"budget_total" must be a safe number'],
  [{ budget_total: '1e400' }, 'budget_total', '"budget_total" must be a safe number'],
  [{ start_date: undefined }, 'start_date', 'Start date is required'],
  [{ start_date: 'not-a-date' }, 'start_date', 'Start date must be in ISO format'],
  [{ start_date: '' }, 'start_date', 'Start date must be in ISO format'],
  [{ start_date: '20250101' }, 'start_date', 'Start date must be in ISO format'],
  [{ start_date: '2025-13-01' }, 'start_date', 'Start date must be in ISO format'],
  [{ start_date: '2025-01-01T24:00:00Z' }, 'start_date', 'Start date must be in ISO format'],
  [{ start_date: 12345 }, 'start_date', '"start_date" must be a valid date'],
  [{ start_date: null }, 'start_date', '"start_date" must be a valid date'],
  [{ start_date: true }, 'start_date', '"start_date" must be a valid date'],
  [{ end_date: undefined }, 'end_date', 'End date is required'],
  [{ end_date: 'tomorrow' }, 'end_date', 'End date must be in ISO format'],
  [{ end_date: 1.5 }, 'end_date', '"end_date" must be a valid date'],
  [{ end_date: '2025-01-01' }, 'end_date', 'End date must be after start date'],
  [{ end_date: '2024-12-31T23:59:59.999Z' }, 'end_date', 'End date must be after start date'],
  [{ pricing_model: '' }, 'pricing_model', 'Pricing model must be one of: cpm, cpc, cpv, flat'],
  [{ pricing_model: 'CPM' }, 'pricing_model', 'Pricing model must be one of: cpm, cpc, cpv, flat'],
  [{ pricing_model: 5 }, 'pricing_model', 'Pricing model must be one of: cpm, cpc, cpv, flat'],
  [{ pricing_model: null }, 'pricing_model', 'Pricing model must be one of: cpm, cpc, cpv, flat'],
  [{ cpm_rate: 0 }, 'cpm_rate', 'CPM rate must be a positive number'],
  [{ cpm_rate: 0.001 }, 'cpm_rate', 'CPM rate must be a positive number'],
  [{ cpm_rate: -1 }, 'cpm_rate', 'CPM rate must be a positive number'],
  [{ cpm_rate: 1000.01 }, 'cpm_rate', 'CPM rate cannot exceed $1,000'],
  [{ cpm_rate: 'x' }, 'cpm_rate', '"cpm_rate" must be a number'],
  [{ cpm_rate: false }, 'cpm_rate', '"cpm_rate" must be a number'],
  [{ cpc_rate: 0 }, 'cpc_rate', 'CPC rate must be a positive number'],
  [{ cpc_rate: 100.01 }, 'cpc_rate', 'CPC rate cannot exceed $100'],
  [{ cpc_rate: '' }, 'cpc_rate', '"cpc_rate" must be a number'],
  [{ cpv_rate: 0.002 }, 'cpv_rate', 'CPV rate must be a positive number'],
  [{ cpv_rate: 101 }, 'cpv_rate', 'CPV rate cannot exceed $100'],
  [{ cpv_rate: [] }, 'cpv_rate', '"cpv_rate" must be a number'],
  // unknown keys come after every known field passed
  [{ status: 'active' }, 'status', '"status" is not allowed'],
  [{ budget_spent: 5 }, 'budget_spent', '"budget_spent" is not allowed'],
  [{ foo: 1, name: 'ab' }, 'name', 'Campaign name must be at least 3 characters long'],
  [{ zeta: 1, 10: 1, 2: 1 }, '2', '"2" is not allowed'], // Object.keys order: integer keys first
  [{ '': 1 }, '', '"value" is not allowed'],
  // the cross-field rule runs last, with field ""
  [{ cpm_rate: undefined }, '', 'CPM rate is required when using CPM pricing model'],
  [{ cpm_rate: null }, '', 'CPM rate is required when using CPM pricing model'],
  [{ cpm_rate: undefined, pricing_model: 'cpc', cpv_rate: 1 }, '', 'CPC rate is required when using CPC pricing model'],
  [{ cpm_rate: undefined, pricing_model: 'cpv' }, '', 'CPV rate is required when using CPV pricing model'],
  [{ cpm_rate: undefined, foo: 1 }, 'foo', '"foo" is not allowed'],
  // fields are checked in table order, not body order
  [{ cpv_rate: 0, name: 'ab', budget_total: 0 }, 'name', 'Campaign name must be at least 3 characters long'],
  [{ end_date: 'x', budget_total: 'y' }, 'budget_total', '"budget_total" must be a number'],
];

test('POST validation: every message of the 3.3.3 table, first failure only, format C', async () => {
  for (const [over, field, message] of CREATE_CASES) {
    const body = { ...VALID, ...over };
    for (const k of Object.keys(over)) if (over[k] === undefined) delete body[k];
    const r = await api('POST', url(''), { token: A.token, body });
    assert.equal(r.status, 400, `${JSON.stringify(over)}: ${r.text}`);
    assert.deepEqual(r.json, validationBody(field, message), JSON.stringify(over));
  }
});

test('POST {} names the first field; an array body is "value" must be of type object', async () => {
  let r = await api('POST', url(''), { token: A.token, body: {} });
  assert.deepEqual(r.json, validationBody('name', 'Campaign name is required'));
  r = await api('POST', url(''), { token: A.token, body: [VALID] });
  assert.deepEqual(r.json, validationBody('', '"value" must be of type object'));
  // no pricing fields at all: the CPM-rate message
  r = await api('POST', url(''), { token: A.token, body: { name: 'abc', budget_total: 5, start_date: '2025-01-01', end_date: '2025-02-01' } });
  assert.deepEqual(r.json, validationBody('', 'CPM rate is required when using CPM pricing model'));
  // text/plain is no body at all
  r = await request('POST', url(''), { headers: { Authorization: `Bearer ${A.token}`, 'Content-Type': 'text/plain' }, body: JSON.stringify(VALID) });
  assert.deepEqual(r.json, validationBody('name', 'Campaign name is required'));
  // urlencoded values are strings and convert like JSON strings
  r = await request('POST', url(''), {
    headers: { Authorization: `Bearer ${A.token}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'name=Form+Campaign&budget_total=12.345&start_date=2025-01-01&end_date=2025-02-01&cpm_rate=2',
  });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.campaign.budget_total, '12.35');
});

// ---------------------------------------------------------------------------
// List
// ---------------------------------------------------------------------------

test('GET list: only the caller\'s campaigns, newest first, strings for counts, page 1 / limit 20 echoed', async () => {
  const U = createUser();
  const c1 = await create(U.token, { ...VALID, name: 'First' });
  const c2 = await create(U.token, { ...VALID, name: 'Second' });
  const c3 = await create(U.token, { ...VALID, name: 'Third' });
  addCreative(c2.id, U.id, 'x1');
  addCreative(c2.id, U.id, 'x2');
  addStats(c2.id, '2025-01-01', 1000, 10, 5, '1.00');
  addStats(c2.id, '2025-01-02', 3, 1, 0, '0.50');
  const r = await api('GET', url(''), { token: U.token });
  assert.equal(r.status, 200);
  assert.deepEqual(Object.keys(r.json), ['campaigns', 'total', 'page', 'limit']);
  assert.equal(r.json.total, 3);
  assert.equal(r.json.page, 1);
  assert.equal(r.json.limit, 20);
  assert.deepEqual(r.json.campaigns.map((c) => c.name), ['Third', 'Second', 'First']);
  for (const c of r.json.campaigns) {
    assert.deepEqual(Object.keys(c), [...ROW_KEYS, 'creative_count', 'total_impressions']);
    assert.equal(typeof c.budget_total, 'string');
    assert.equal(typeof c.budget_spent, 'string');
  }
  const second = r.json.campaigns[1];
  assert.equal(second.id, c2.id);
  assert.equal(second.creative_count, '2');
  assert.equal(second.total_impressions, '1003'); // true sum, not 2006 (fan-out quirk fixed)
  assert.equal(r.json.campaigns[0].creative_count, '0');
  assert.equal(r.json.campaigns[0].total_impressions, '0');
  assert.ok(c1 && c3);
  // B sees none of them
  const rb = await api('GET', url(''), { token: B.token });
  assert.ok(rb.json.campaigns.every((c) => c.created_by === B.id));
  sql(`DELETE FROM campaigns WHERE created_by = :'u'; DELETE FROM users WHERE id = :'u'`, { u: U.id });
});

test('GET list: page and limit are validated and echoed as numbers but not applied [quirk]', async () => {
  const U = createUser();
  for (let i = 0; i < 3; i++) await create(U.token);
  const r = await api('GET', url('?page=2&limit=1'), { token: U.token });
  assert.equal(r.status, 200);
  assert.equal(r.json.page, 2);
  assert.equal(r.json.limit, 1);
  assert.equal(r.json.campaigns.length, 3);
  assert.equal(r.json.total, 3);
  const s = await api('GET', url('?page=%2B3&limit=%205%20'), { token: U.token });
  assert.deepEqual([s.json.page, s.json.limit], [3, 5]);
  sql(`DELETE FROM campaigns WHERE created_by = :'u'; DELETE FROM users WHERE id = :'u'`, { u: U.id });
});

test('GET list filters: status equality, start_date / end_date inclusive on the flight window', async () => {
  const U = createUser();
  const jan = await create(U.token, { ...VALID, name: 'Jan', start_date: '2025-01-01', end_date: '2025-01-31' });
  const mar = await create(U.token, { ...VALID, name: 'Mar', start_date: '2025-03-01', end_date: '2025-03-31' });
  sql(`UPDATE campaigns SET status = 'active' WHERE id = :'id'`, { id: mar.id });
  const names = async (q) => {
    const r = await api('GET', url(q), { token: U.token });
    assert.equal(r.status, 200, r.text);
    return r.json.campaigns.map((c) => c.name).sort();
  };
  assert.deepEqual(await names('?status=active'), ['Mar']);
  assert.deepEqual(await names('?status=draft'), ['Jan']);
  assert.deepEqual(await names('?status=completed'), []);
  // start_date keeps end_date >= it; the boundary instant is included
  assert.deepEqual(await names('?start_date=2025-01-31'), ['Jan', 'Mar']);
  assert.deepEqual(await names('?start_date=2025-01-31T00:00:00.001Z'), ['Mar']);
  // end_date keeps start_date <= it
  assert.deepEqual(await names('?end_date=2025-03-01'), ['Jan', 'Mar']);
  assert.deepEqual(await names('?end_date=2025-02-28T23:59:59Z'), ['Jan']);
  assert.deepEqual(await names('?start_date=2025-02-01&end_date=2025-02-28'), []);
  assert.deepEqual(await names('?status=active&start_date=2025&end_date=2025-12'), ['Mar']);
  assert.ok(jan);
  sql(`DELETE FROM campaigns WHERE created_by = :'u'; DELETE FROM users WHERE id = :'u'`, { u: U.id });
});

const LIST_CASES = [
  ['?search=x', 'search', '"search" is not allowed'],
  ['?sort=name', 'sort', '"sort" is not allowed'],
  ['?status=archived', 'status', 'Status filter must be one of: draft, active, paused, completed'],
  ['?status=', 'status', 'Status filter must be one of: draft, active, paused, completed'],
  ['?status=active&status=draft', 'status', 'Status filter must be one of: draft, active, paused, completed'],
  ['?status[]=active', 'status', 'Status filter must be one of: draft, active, paused, completed'],
  ["?status=active'%20OR%20'1'='1", 'status', 'Status filter must be one of: draft, active, paused, completed'],
  ['?start_date=yesterday', 'start_date', 'Start date must be in ISO format'],
  ['?start_date=', 'start_date', 'Start date must be in ISO format'],
  ['?start_date[a]=1', 'start_date', '"start_date" must be a valid date'],
  ['?end_date=2025-02-30T25:00', 'end_date', 'End date must be in ISO format'],
  ['?page=0', 'page', 'Page number must be positive'],
  ['?page=-1', 'page', 'Page number must be positive'],
  ['?page=abc', 'page', '"page" must be a number'],
  ['?page=', 'page', '"page" must be a number'],
  ['?page', 'page', '"page" must be a number'],
  ['?page=1.5', 'page', '"page" must be an integer'],
  ['?page=1&page=2', 'page', '"page" must be a number'],
  ['?page=99999999999999999999', 'page', '"page" must be a safe number'],
  ['?page=1e400', 'page', '"page" must be a safe number'],
  ['?limit=0', 'limit', 'Limit must be positive'],
  ['?limit=101', 'limit', 'Limit cannot exceed 100'],
  ['?limit=x', 'limit', '"limit" must be a number'],
  ['?limit=2.5', 'limit', '"limit" must be an integer'],
  ['?foo=1&page=0', 'page', 'Page number must be positive'], // known fields first
  ['?%ff=1', '%ff', '"%ff" is not allowed'], // not UTF-8 once decoded: kept as sent (qs)
  ['?%C3%A9t%C3%A9=1', 'été', '"été" is not allowed'],
];

test('GET list query validation: every message, unknown parameters rejected, format C', async () => {
  for (const [q, field, message] of LIST_CASES) {
    const r = await api('GET', url(q), { token: A.token });
    assert.equal(r.status, 400, `${q}: ${r.text}`);
    assert.deepEqual(r.json, validationBody(field, message), q);
  }
});

// ---------------------------------------------------------------------------
// Get one
// ---------------------------------------------------------------------------

test('GET one: row plus true sums and metrics with the contract types', async () => {
  const c = await create(A.token);
  let r = await api('GET', url(`/${c.id}`), { token: A.token });
  assert.equal(r.status, 200);
  assert.deepEqual(Object.keys(r.json), ['campaign']);
  assert.deepEqual(Object.keys(r.json.campaign), [...ROW_KEYS, 'creative_count', 'total_impressions',
    'total_clicks', 'total_spend', 'metrics']);
  assert.equal(r.json.campaign.creative_count, '0');
  assert.equal(r.json.campaign.total_impressions, '0');
  assert.equal(r.json.campaign.total_clicks, '0');
  assert.equal(r.json.campaign.total_spend, '0');
  assert.deepEqual(r.json.campaign.metrics, { impressions: 0, clicks: 0, ctr: 0, spend: 0 });
  assert.equal(r.text.includes('"ctr":0,'), true); // the number 0, not "0"

  addCreative(c.id, A.id, 'one');
  addCreative(c.id, A.id, 'two');
  addStats(c.id, '2025-01-01', 700, 100, 10, '60.25');
  addStats(c.id, '2025-01-02', 300, 25, 5, '40.25');
  r = await api('GET', url(`/${c.id}`), { token: A.token });
  const g = r.json.campaign;
  assert.equal(g.creative_count, '2');
  assert.equal(g.total_impressions, '1000'); // 2 creatives: still the true sum
  assert.equal(g.total_clicks, '125');
  assert.equal(g.total_spend, '100.50');
  assert.deepEqual(g.metrics, { impressions: 1000, clicks: 125, ctr: '12.50', spend: 100.5 });
  // an upper-case id is the same campaign
  r = await api('GET', url(`/${c.id.toUpperCase()}`), { token: A.token });
  assert.equal(r.status, 200);
  assert.equal(r.json.campaign.id, c.id);
});

test('GET one: 404 for missing and for foreign campaigns, identical bodies; format D for bad ids', async () => {
  const c = await create(A.token);
  const foreign = await api('GET', url(`/${c.id}`), { token: B.token });
  const missing = await api('GET', url(`/${randomUUID()}`), { token: A.token });
  const nil = await api('GET', url('/00000000-0000-0000-0000-000000000000'), { token: A.token });
  for (const r of [foreign, missing, nil]) {
    assert.equal(r.status, 404);
    assert.equal(r.text, '{"error":{"message":"Campaign not found","code":"CAMPAIGN_NOT_FOUND"}}');
  }
  for (const bad of ['not-a-uuid', '123', `${c.id}x`, `${c.id.slice(0, 14)}6${c.id.slice(15)}` /* version 6 */,
    `${c.id.slice(0, 19)}c${c.id.slice(20)}` /* variant c */,
    "1'%20OR%20'1'='1", '%ff%fe']) {
    const r = await api('GET', url(`/${bad}`), { token: A.token });
    assert.equal(r.status, 400, bad);
    assert.deepEqual(r.json, { error: { message: 'Invalid id format', code: 'INVALID_UUID_FORMAT', requestId: r.headers['x-request-id'] } });
  }
});

// ---------------------------------------------------------------------------
// Update
// ---------------------------------------------------------------------------

test('PUT writes only the given fields and updated_at; "" description is kept as ""', async () => {
  const c = await create(A.token, { ...VALID, description: 'before' });
  await new Promise((res) => setTimeout(res, 5));
  let r = await api('PUT', url(`/${c.id}`), { token: A.token, body: { name: 'Renamed', budget_total: '2500.005' } });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(Object.keys(r.json), ['message', 'campaign']);
  assert.equal(r.json.message, 'Campaign updated successfully');
  const u = r.json.campaign;
  assert.deepEqual(Object.keys(u), ROW_KEYS);
  assert.equal(u.name, 'Renamed');
  assert.equal(u.budget_total, '2500.01');
  assert.equal(u.description, 'before');
  assert.equal(u.start_date, c.start_date);
  assert.equal(u.cpm_rate, '5.00');
  assert.notEqual(u.updated_at, c.updated_at);
  r = await api('PUT', url(`/${c.id}`), { token: A.token, body: { description: '' } });
  assert.equal(r.json.campaign.description, '');
  r = await api('PUT', url(`/${c.id}`), { token: A.token, body: { description: null, cpc_rate: 3, cpm_rate: null, pricing_model: 'cpc' } });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual([r.json.campaign.description, r.json.campaign.cpm_rate, r.json.campaign.cpc_rate, r.json.campaign.pricing_model],
    [null, null, '3.00', 'cpc']);
  r = await api('PUT', url(`/${c.id}`), { token: A.token, body: { start_date: '2025-06-01', end_date: '2026-01-01T00:00:00Z' } });
  assert.deepEqual([r.json.campaign.start_date, r.json.campaign.end_date], ['2025-06-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z']);
});

const UPDATE_CASES = [
  [{}, '', '"value" must have at least 1 key'],
  [[], '', '"value" must be of type object'],
  [{ status: 'active' }, 'status', '"status" is not allowed'],
  [{ created_by: randomUUID() }, 'created_by', '"created_by" is not allowed'],
  [{ name: 'ab' }, 'name', 'Campaign name must be at least 3 characters long'],
  [{ name: '' }, 'name', '"name" is not allowed to be empty'],
  [{ name: null }, 'name', '"name" must be a string'],
  [{ description: 1 }, 'description', '"description" must be a string'],
  [{ budget_total: null }, 'budget_total', '"budget_total" must be a number'],
  [{ budget_total: 0 }, 'budget_total', 'Budget must be a positive number'],
  [{ budget_total: 0.99 }, 'budget_total', 'Budget must be at least $1'],
  [{ start_date: 'soon' }, 'start_date', 'Start date must be in ISO format'],
  [{ end_date: 'later' }, 'end_date', 'End date must be in ISO format'],
  [{ start_date: '2025-05-01', end_date: '2025-04-01' }, 'end_date', 'End date must be after start date'],
  [{ pricing_model: 'cpa' }, 'pricing_model', 'Pricing model must be one of: cpm, cpc, cpv, flat'],
  [{ cpm_rate: 1001 }, 'cpm_rate', 'CPM rate cannot exceed $1,000'],
  [{ cpc_rate: 0 }, 'cpc_rate', 'CPC rate must be a positive number'],
  [{ cpv_rate: 'a' }, 'cpv_rate', '"cpv_rate" must be a number'],
  [{ name: 'abc', x: 1 }, 'x', '"x" is not allowed'],
];

test('PUT validation: format C messages, unknown fields and status rejected, at least one key', async () => {
  const c = await create(A.token);
  for (const [body, field, message] of UPDATE_CASES) {
    const r = await api('PUT', url(`/${c.id}`), { token: A.token, body });
    assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
    assert.deepEqual(r.json, validationBody(field, message), JSON.stringify(body));
  }
  // no cross-field pricing rule on update, and end_date alone is not compared in validation
  const r = await api('PUT', url(`/${c.id}`), { token: A.token, body: { pricing_model: 'flat' } });
  assert.equal(r.status, 200);
});

test('PUT: database constraint violations answer 500 CAMPAIGN_UPDATE_FAILED [quirk]', async () => {
  const c = await create(A.token);
  sql(`UPDATE campaigns SET budget_spent = 500 WHERE id = :'id'`, { id: c.id });
  const failed = '{"error":{"message":"Failed to update campaign","code":"CAMPAIGN_UPDATE_FAILED"}}';
  for (const body of [{ end_date: '2024-06-01' }, { pricing_model: 'cpc' }, { budget_total: 100 }]) {
    const r = await api('PUT', url(`/${c.id}`), { token: A.token, body });
    assert.equal(r.status, 500, JSON.stringify(body));
    assert.equal(r.text, failed);
  }
  const [[total]] = sql(`SELECT budget_total FROM campaigns WHERE id = :'id'`, { id: c.id });
  assert.equal(total, '1000.00');
});

test('PUT: 404 for foreign and missing campaigns (unchanged), format D first, validation before ownership', async () => {
  const c = await create(A.token);
  const body404 = '{"error":{"message":"Campaign not found or you do not have permission to update it","code":"CAMPAIGN_NOT_FOUND"}}';
  for (const [token, id] of [[B.token, c.id], [A.token, randomUUID()]]) {
    const r = await api('PUT', url(`/${id}`), { token, body: { name: 'Hijacked' } });
    assert.equal(r.status, 404);
    assert.equal(r.text, body404);
  }
  const [[name]] = sql(`SELECT name FROM campaigns WHERE id = :'id'`, { id: c.id });
  assert.equal(name, VALID.name);
  let r = await api('PUT', url('/nope'), { token: A.token, body: {} });
  assert.equal(r.json.error.code, 'INVALID_UUID_FORMAT');
  r = await api('PUT', url(`/${randomUUID()}`), { token: A.token, body: {} });
  assert.equal(r.status, 400);
});

// ---------------------------------------------------------------------------
// Status
// ---------------------------------------------------------------------------

test('PUT status: any transition, message names the status, row returned', async () => {
  const c = await create(A.token);
  for (const status of ['active', 'paused', 'completed', 'draft', 'active']) {
    const r = await api('PUT', url(`/${c.id}/status`), { token: A.token, body: { status } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.message, `Campaign status updated to ${status}`);
    assert.deepEqual(Object.keys(r.json.campaign), ROW_KEYS);
    assert.equal(r.json.campaign.status, status);
  }
});

test('PUT status validation and ownership', async () => {
  const c = await create(A.token);
  const only = 'Status must be one of: draft, active, paused, completed';
  for (const [body, field, message] of [
    [{}, 'status', 'Status is required'],
    [{ status: 'archived' }, 'status', only],
    [{ status: 'ACTIVE' }, 'status', only],
    [{ status: '' }, 'status', only],
    [{ status: 1 }, 'status', only],
    [{ status: null }, 'status', only],
    [{ status: ['active'] }, 'status', only],
    [{ status: 'active', name: 'x' }, 'name', '"name" is not allowed'],
    [['active'], '', '"value" must be of type object'],
  ]) {
    const r = await api('PUT', url(`/${c.id}/status`), { token: A.token, body });
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.deepEqual(r.json, validationBody(field, message), JSON.stringify(body));
  }
  const r = await api('PUT', url(`/${c.id}/status`), { token: B.token, body: { status: 'active' } });
  assert.equal(r.status, 404);
  assert.equal(r.json.error.message, 'Campaign not found or you do not have permission to update it');
  const [[status]] = sql(`SELECT status FROM campaigns WHERE id = :'id'`, { id: c.id });
  assert.equal(status, 'draft');
  const bad = await api('PUT', url('/xyz/status'), { token: A.token, body: { status: 'active' } });
  assert.equal(bad.json.error.message, 'Invalid id format');
});

// ---------------------------------------------------------------------------
// Delete
// ---------------------------------------------------------------------------

test('DELETE soft marks completed and keeps everything; only hard=true removes the row with its children', async () => {
  const c = await create(A.token);
  addCreative(c.id, A.id);
  addStats(c.id, '2025-01-01', 5, 1, 1, '1.00');
  for (const q of ['', '?hard=false', '?hard=TRUE', '?hard=1', '?hard=true&hard=true', '?hard']) {
    const r = await api('DELETE', url(`/${c.id}${q}`), { token: A.token });
    assert.equal(r.status, 200, q);
    assert.equal(r.text, `{"message":"Campaign marked as completed","campaignId":"${c.id}"}`);
  }
  let g = await api('GET', url(`/${c.id}`), { token: A.token });
  assert.equal(g.json.campaign.status, 'completed');
  assert.equal(g.json.campaign.creative_count, '1');
  const r = await api('DELETE', url(`/${c.id}?hard=true`), { token: A.token });
  assert.equal(r.status, 200);
  assert.equal(r.text, `{"message":"Campaign permanently deleted","campaignId":"${c.id}"}`);
  g = await api('GET', url(`/${c.id}`), { token: A.token });
  assert.equal(g.status, 404);
  assert.deepEqual(sql(`SELECT (SELECT COUNT(*) FROM creatives WHERE campaign_id = :'id'),
    (SELECT COUNT(*) FROM campaign_daily_stats WHERE campaign_id = :'id')`, { id: c.id }), [['0', '0']]);
});

test('DELETE: foreign/missing 404 (row untouched); impressions block a hard delete with 500 [quirk]', async () => {
  const c = await create(A.token);
  const body404 = '{"error":{"message":"Campaign not found or you do not have permission to delete it","code":"CAMPAIGN_NOT_FOUND"}}';
  for (const q of ['', '?hard=true']) {
    for (const [token, id] of [[B.token, c.id], [A.token, randomUUID()]]) {
      const r = await api('DELETE', url(`/${id}${q}`), { token });
      assert.equal(r.status, 404);
      assert.equal(r.text, body404);
    }
  }
  assert.deepEqual(sql(`SELECT status FROM campaigns WHERE id = :'id'`, { id: c.id }), [['draft']]);
  const cr = addCreative(c.id, A.id);
  sql(`INSERT INTO impressions (creative_id, campaign_id, device_type, location_country, served_at)
       VALUES (:'cr', :'c', 'ctv', 'US', now())`, { cr, c: c.id });
  const r = await api('DELETE', url(`/${c.id}?hard=true`), { token: A.token });
  assert.equal(r.status, 500);
  assert.equal(r.text, '{"error":{"message":"Failed to delete campaign","code":"CAMPAIGN_DELETION_FAILED"}}');
  assert.equal(sql(`SELECT COUNT(*) FROM campaigns WHERE id = :'id'`, { id: c.id })[0][0], '1');
  const bad = await api('DELETE', url('/123'), { token: A.token });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.code, 'INVALID_UUID_FORMAT');
});

// ---------------------------------------------------------------------------
// Stats
// ---------------------------------------------------------------------------

test('GET stats: the reference example gives exact strings; no stats give "0"', async () => {
  const c = await create(A.token);
  let r = await api('GET', url(`/${c.id}/stats`), { token: A.token });
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, { stats: { id: c.id, name: c.name, budget_total: '1000.00', budget_spent: '0.00',
    total_impressions: '0', total_clicks: '0', total_completions: '0', total_spend: '0', ctr: '0', completion_rate: '0' } });
  addStats(c.id, '2025-01-15', 2000, 250, 1500, '900.75');
  addCreative(c.id, A.id, 'a');
  addCreative(c.id, A.id, 'b');
  r = await api('GET', url(`/${c.id}/stats`), { token: A.token });
  assert.deepEqual(Object.keys(r.json.stats), ['id', 'name', 'budget_total', 'budget_spent', 'total_impressions',
    'total_clicks', 'total_completions', 'total_spend', 'ctr', 'completion_rate']);
  const s = r.json.stats;
  assert.deepEqual([s.total_impressions, s.total_clicks, s.total_completions, s.total_spend],
    ['2000', '250', '1500', '900.75']);
  assert.equal(s.ctr, '12.50');
  assert.equal(s.completion_rate, '75.00');
  addStats(c.id, '2025-01-16', 1, 0, 1, '0.10');
  r = await api('GET', url(`/${c.id}/stats`), { token: A.token });
  assert.deepEqual([r.json.stats.total_impressions, r.json.stats.total_spend, r.json.stats.ctr, r.json.stats.completion_rate],
    ['2001', '900.85', '12.49', '75.01']);
});

test('GET stats: 404 for foreign and missing, format D for bad ids', async () => {
  const c = await create(A.token);
  for (const [token, id] of [[B.token, c.id], [A.token, randomUUID()]]) {
    const r = await api('GET', url(`/${id}/stats`), { token });
    assert.equal(r.status, 404);
    assert.equal(r.text, '{"error":{"message":"Campaign not found","code":"CAMPAIGN_NOT_FOUND"}}');
  }
  const r = await api('GET', url('/bad/stats'), { token: A.token });
  assert.equal(r.json.error.message, 'Invalid id format');
});

// ---------------------------------------------------------------------------
// Auth, HEAD, hostile input
// ---------------------------------------------------------------------------

test('every campaign route needs a token before any validation (401, also for bad ids)', async () => {
  const id = randomUUID();
  for (const [m, p] of [['GET', ''], ['POST', ''], ['GET', `/${id}`], ['PUT', `/${id}`], ['PUT', `/${id}/status`],
    ['DELETE', `/${id}`], ['GET', `/${id}/stats`], ['GET', '/not-a-uuid'], ['PUT', '/not-a-uuid/status']]) {
    const r = await api(m, url(p), { body: m === 'GET' || m === 'DELETE' ? undefined : {} });
    assert.equal(r.status, 401, `${m} ${p}`);
    assert.deepEqual(r.json, { error: { message: 'Authorization token required', code: 'MISSING_TOKEN' } });
  }
});

test('HEAD on list and get answers like GET without a body', async () => {
  const c = await create(A.token);
  for (const p of ['', `/${c.id}`, `/${c.id}/stats`]) {
    const r = await request('HEAD', url(p), { headers: { Authorization: `Bearer ${A.token}` } });
    assert.equal(r.status, 200);
    assert.equal(r.body.length, 0);
  }
});

test('hostile bodies: injection text stored verbatim, bad UTF-8, deep nesting, huge arrays, huge numbers', async () => {
  const inj = "Robert'); DROP TABLE campaigns; --";
  const c = await create(A.token, { ...VALID, name: inj, description: '\\ " \u2028 😀 <script>' });
  assert.equal(c.name, inj);
  assert.equal(c.description, '\\ " \u2028 😀 <script>');
  assert.equal(sql('SELECT COUNT(*) > 0 FROM campaigns')[0][0], 't');
  const h = { Authorization: `Bearer ${A.token}`, 'Content-Type': 'application/json' };
  let r0;
  // \u0000 cannot be stored as PostgreSQL text: refused while parsing (400), never a 500
  r0 = await api('POST', url(''), { token: A.token, body: { ...VALID, name: 'a\u0000b' } });
  assert.equal(r0.status, 400);
  // invalid UTF-8 inside a string: a parse error (400), never a 500
  let r = await request('POST', url(''), { headers: h, body: Buffer.concat([Buffer.from('{"name":"ab'), Buffer.from([0xff, 0xfe]), Buffer.from('c"}')]) });
  assert.equal(r.status, 400);
  // nesting deeper than any parser limit
  r = await request('POST', url(''), { headers: h, body: '['.repeat(100000) + ']'.repeat(100000) });
  assert.equal(r.status, 400);
  r = await request('POST', url(''), { headers: h, body: JSON.stringify({ ...VALID, name: JSON.parse('['.repeat(1000) + ']'.repeat(1000)) }) });
  assert.deepEqual(r.json, validationBody('name', '"name" must be a string'));
  // 10k-element arrays as body and as a field
  const big = Array.from({ length: 10000 }, (_, i) => i);
  r = await api('POST', url(''), { token: A.token, body: big });
  assert.deepEqual(r.json, validationBody('', '"value" must be of type object'));
  r = await api('POST', url(''), { token: A.token, body: { ...VALID, budget_total: big } });
  assert.deepEqual(r.json, validationBody('budget_total', '"budget_total" must be a number'));
  const manyKeys = Object.fromEntries(big.map((i) => [`k${i}`, i]));
  r = await api('PUT', url(`/${c.id}`), { token: A.token, body: manyKeys });
  assert.deepEqual(r.json, validationBody('k0', '"k0" is not allowed'));
  // numbers JSON.parse reads as Infinity or beyond 2^53: 400 of some format, never 500
  for (const raw of ['1e400', '-1e400', '99999999999999999999', '123456789012345678901234567890']) {
    r = await request('POST', url(''), { headers: h, body: `{"name":"abc","budget_total":${raw},"start_date":"2025-01-01","end_date":"2025-02-01","cpm_rate":1}` });
    assert.equal(r.status, 400, raw);
  }
  // a raw request line with bytes that are not UTF-8 in the query
  const raw = await rawRequest(d.adminPort, Buffer.concat([Buffer.from('GET /api/v1/campaigns?status='), Buffer.from([0xc3, 0x28]),
    Buffer.from(` HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${A.token}\r\nConnection: close\r\n\r\n`)]));
  assert.match(raw, /^HTTP\/1\.1 400/);
});
