// Creative endpoints other than uploads (docs/admin-api.md: bodies,
// ownership) over real HTTP. Creatives and
// impressions are inserted with sql(), as the contract says tests do.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { startDaemon, api, request, sql, createUser } from '../lib/harness.mjs';

let d;
let A;
let B;
let campA; // A's campaign
const ISO_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const ROW_KEYS = ['id', 'campaign_id', 'name', 'video_url', 'duration', 'file_size', 'width', 'height',
  'format', 'status', 'uploaded_by', 'created_at', 'updated_at'];
const validationBody = (field, message) => ({ error: { message: 'Validation failed', details: [{ field, message }] } });
const creativeUrl = (p = '') => `${d.adminUrl}/api/v1/creatives${p}`;
const listUrl = (cid, q = '') => `${d.adminUrl}/api/v1/campaigns/${cid}/creatives${q}`;

function addCampaign(userId, name = 'Campaign') {
  const [[id]] = sql(`INSERT INTO campaigns (name, description, status, budget_total, budget_spent, start_date,
      end_date, created_by, pricing_model, cpm_rate) VALUES (:'n', NULL, 'active', 1000, 0, '2025-01-01',
      '2025-12-31', :'u', 'cpm', 5) RETURNING id`, { n: name, u: userId });
  return id;
}
function addCreative(campaignId, userId, { name = 'Creative', width = '1920', height = '1080', size = '1000000', status = 'active', createdAt = 'now()' } = {}) {
  const [[id]] = sql(`INSERT INTO creatives (campaign_id, name, video_url, duration, file_size, width, height,
      format, status, uploaded_by, created_at) VALUES (:'c', :'n',
      'http://localhost:4566/ctv-ad-server-creatives/campaigns/' || :'c' || '/creatives/' || gen_random_uuid() || '.mp4',
      30, ${size}, ${width}, ${height}, 'mp4', :'s', :'u', ${createdAt}) RETURNING id`, { c: campaignId, n: name, s: status, u: userId });
  return id;
}
function addImpression(creativeId, campaignId, { watched = 'NULL', completed = 'false', clicked = 'false', at = 'now()' } = {}) {
  sql(`INSERT INTO impressions (creative_id, campaign_id, device_type, location_country, served_at,
      duration_watched, completed, clicked) VALUES (:'cr', :'c', 'ctv', 'US', ${at}, ${watched}, ${completed}, ${clicked})`,
  { cr: creativeId, c: campaignId });
}

before(async () => {
  d = await startDaemon();
  A = createUser();
  B = createUser();
  campA = addCampaign(A.id, 'A campaign');
});
after(async () => {
  for (const u of [A, B]) {
    sql(`DELETE FROM impressions WHERE campaign_id IN (SELECT id FROM campaigns WHERE created_by = :'u');
         DELETE FROM campaigns WHERE created_by = :'u'; DELETE FROM users WHERE id = :'u'`, { u: u.id });
  }
  await d.stop();
});

// ---------------------------------------------------------------------------
// List
// ---------------------------------------------------------------------------

test('GET campaign creatives: every creative newest first, row types, total, campaignId echoed', async () => {
  const cid = addCampaign(A.id, 'list');
  const older = addCreative(cid, A.id, { name: 'older', createdAt: "now() - interval '1 hour'" });
  const newer = addCreative(cid, A.id, { name: 'newer', width: 'NULL', height: 'NULL', size: 'NULL', status: 'processing' });
  const r = await api('GET', listUrl(cid), { token: A.token });
  assert.equal(r.status, 200);
  assert.deepEqual(Object.keys(r.json), ['creatives', 'total', 'campaignId']);
  assert.equal(r.json.total, 2);
  assert.equal(r.json.campaignId, cid);
  assert.deepEqual(r.json.creatives.map((c) => c.id), [newer, older]);
  const [n, o] = r.json.creatives;
  for (const c of r.json.creatives) {
    assert.deepEqual(Object.keys(c), ROW_KEYS);
    assert.equal(c.campaign_id, cid);
    assert.equal(c.duration, 30);
    assert.equal(c.format, 'mp4');
    assert.equal(c.uploaded_by, A.id);
    assert.match(c.created_at, ISO_RE);
    assert.match(c.updated_at, ISO_RE);
  }
  assert.deepEqual([o.file_size, o.width, o.height, o.status], ['1000000', 1920, 1080, 'active']);
  assert.deepEqual([n.file_size, n.width, n.height, n.status], [null, null, null, 'processing']);
  // none of the query parameters is applied [quirk]
  const f = await api('GET', listUrl(cid, '?status=inactive&page=5&limit=1'), { token: A.token });
  assert.equal(f.json.total, 2);
  // an empty campaign
  const e = await api('GET', listUrl(addCampaign(A.id, 'empty')), { token: A.token });
  assert.deepEqual(e.json.creatives, []);
  assert.equal(e.json.total, 0);
  // the upper-case id is echoed as sent
  const u = await api('GET', listUrl(cid.toUpperCase()), { token: A.token });
  assert.equal(u.json.campaignId, cid.toUpperCase());
  assert.equal(u.json.total, 2);
});

test('GET campaign creatives: query validation (format C, unknown rejected)', async () => {
  for (const [q, field, message] of [
    ['?status=deleted', 'status', 'Status must be one of: active, inactive, processing, failed'],
    ['?status=', 'status', 'Status must be one of: active, inactive, processing, failed'],
    ['?page=0', 'page', '"page" must be a positive number'],
    ['?page=x', 'page', '"page" must be a number'],
    ['?page=2.5', 'page', '"page" must be an integer'],
    ['?limit=0', 'limit', '"limit" must be a positive number'],
    ['?limit=101', 'limit', '"limit" must be less than or equal to 100'],
    ['?limit=1&limit=2', 'limit', '"limit" must be a number'],
    ['?search=a', 'search', '"search" is not allowed'],
    ["?status=active'--", 'status', 'Status must be one of: active, inactive, processing, failed'],
  ]) {
    const r = await api('GET', listUrl(campA, q), { token: A.token });
    assert.equal(r.status, 400, q);
    assert.deepEqual(r.json, validationBody(field, message), q);
  }
});

test('GET campaign creatives: foreign or missing campaign 404, bad campaignId format D', async () => {
  addCreative(campA, A.id);
  const body = '{"error":{"message":"Campaign not found or you do not have permission","code":"CAMPAIGN_NOT_FOUND"}}';
  for (const [token, cid] of [[B.token, campA], [A.token, randomUUID()]]) {
    const r = await api('GET', listUrl(cid), { token });
    assert.equal(r.status, 404);
    assert.equal(r.text, body);
  }
  const r = await api('GET', listUrl('nope'), { token: A.token });
  assert.equal(r.status, 400);
  assert.deepEqual(r.json, { error: { message: 'Invalid campaignId format', code: 'INVALID_UUID_FORMAT', requestId: r.headers['x-request-id'] } });
});

// ---------------------------------------------------------------------------
// Get
// ---------------------------------------------------------------------------

test('GET creative: the row; 404 "Creative not found" for foreign and missing; format D', async () => {
  const id = addCreative(campA, A.id, { name: 'single' });
  let r = await api('GET', creativeUrl(`/${id}`), { token: A.token });
  assert.equal(r.status, 200);
  assert.deepEqual(Object.keys(r.json), ['creative']);
  assert.deepEqual(Object.keys(r.json.creative), ROW_KEYS);
  assert.equal(r.json.creative.name, 'single');
  // a creative belongs to its campaign's owner, not to uploaded_by
  const byB = addCreative(campA, B.id, { name: 'uploaded by B' });
  r = await api('GET', creativeUrl(`/${byB}`), { token: A.token });
  assert.equal(r.status, 200);
  for (const [token, cid] of [[B.token, id], [B.token, byB], [A.token, randomUUID()]]) {
    r = await api('GET', creativeUrl(`/${cid}`), { token });
    assert.equal(r.status, 404);
    assert.equal(r.text, '{"error":{"message":"Creative not found","code":"CREATIVE_NOT_FOUND"}}');
  }
  r = await api('GET', creativeUrl('/12345'), { token: A.token });
  assert.deepEqual(r.json, { error: { message: 'Invalid id format', code: 'INVALID_UUID_FORMAT', requestId: r.headers['x-request-id'] } });
  r = await request('HEAD', creativeUrl(`/${id}`), { headers: { Authorization: `Bearer ${A.token}` } });
  assert.equal(r.status, 200);
  assert.equal(r.body.length, 0);
});

// ---------------------------------------------------------------------------
// Update
// ---------------------------------------------------------------------------

test('PUT creative: writes name, status, duration (numeric strings convert); others untouched', async () => {
  const id = addCreative(campA, A.id, { name: 'before' });
  let r = await api('PUT', creativeUrl(`/${id}`), { token: A.token, body: { name: 'after', duration: '45' } });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(Object.keys(r.json), ['message', 'creative']);
  assert.equal(r.json.message, 'Creative updated successfully');
  assert.deepEqual(Object.keys(r.json.creative), ROW_KEYS);
  assert.deepEqual([r.json.creative.name, r.json.creative.duration, r.json.creative.status, r.json.creative.width],
    ['after', 45, 'active', 1920]);
  r = await api('PUT', creativeUrl(`/${id}`), { token: A.token, body: { status: 'inactive' } });
  assert.deepEqual([r.json.creative.name, r.json.creative.status, r.json.creative.duration], ['after', 'inactive', 45]);
  r = await api('PUT', creativeUrl(`/${id}`), { token: A.token, body: { duration: 120.0 } });
  assert.equal(r.text.includes('"duration":120,'), true);
});

test('PUT creative validation: format C, first failure, unknown fields (width, video_url) rejected', async () => {
  const id = addCreative(campA, A.id);
  for (const [body, field, message] of [
    [{}, '', '"value" must have at least 1 key'],
    [[1], '', '"value" must be of type object'],
    [{ width: 100 }, 'width', '"width" is not allowed'],
    [{ height: 100 }, 'height', '"height" is not allowed'],
    [{ video_url: 'http://x' }, 'video_url', '"video_url" is not allowed'],
    [{ name: 'ab' }, 'name', 'Creative name must be at least 3 characters long'],
    [{ name: 'x'.repeat(256) }, 'name', 'Creative name cannot exceed 255 characters'],
    [{ name: '' }, 'name', '"name" is not allowed to be empty'],
    [{ name: 12 }, 'name', '"name" must be a string'],
    [{ status: 'processing' }, 'status', 'Status must be either active or inactive'],
    [{ status: 1 }, 'status', 'Status must be either active or inactive'],
    [{ duration: 0 }, 'duration', 'Duration must be positive'],
    [{ duration: -5 }, 'duration', 'Duration must be positive'],
    [{ duration: 121 }, 'duration', 'Duration cannot exceed 120 seconds'],
    [{ duration: 1.5 }, 'duration', '"duration" must be an integer'],
    [{ duration: 'abc' }, 'duration', '"duration" must be a number'],
    [{ duration: null }, 'duration', '"duration" must be a number'],
    [{ duration: 1e300 }, 'duration', '"duration" must be a safe number'],
    [{ duration: 0, name: 'ab' }, 'name', 'Creative name must be at least 3 characters long'],
    [{ name: 'good', extra: true }, 'extra', '"extra" is not allowed'],
  ]) {
    const r = await api('PUT', creativeUrl(`/${id}`), { token: A.token, body });
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.deepEqual(r.json, validationBody(field, message), JSON.stringify(body));
  }
});

test('PUT creative: foreign and missing 404 with the permission message; row unchanged', async () => {
  const id = addCreative(campA, A.id, { name: 'mine' });
  const body = '{"error":{"message":"Creative not found or you do not have permission","code":"CREATIVE_NOT_FOUND"}}';
  for (const [token, cid] of [[B.token, id], [A.token, randomUUID()]]) {
    const r = await api('PUT', creativeUrl(`/${cid}`), { token, body: { name: 'stolen' } });
    assert.equal(r.status, 404);
    assert.equal(r.text, body);
  }
  assert.deepEqual(sql(`SELECT name FROM creatives WHERE id = :'id'`, { id }), [['mine']]);
  const r = await api('PUT', creativeUrl('/x'), { token: A.token, body: { name: 'abc' } });
  assert.equal(r.json.error.code, 'INVALID_UUID_FORMAT');
});

// ---------------------------------------------------------------------------
// Status
// ---------------------------------------------------------------------------

test('PUT creative status: active/inactive only, else 400 INVALID_STATUS (format A); extra fields ignored', async () => {
  const id = addCreative(campA, A.id, { status: 'processing' });
  for (const status of ['inactive', 'active']) {
    const r = await api('PUT', creativeUrl(`/${id}/status`), { token: A.token, body: { status, name: 'ignored', x: 1 } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.message, `Creative status updated to ${status}`);
    assert.deepEqual(Object.keys(r.json.creative), ROW_KEYS);
    assert.equal(r.json.creative.status, status);
    assert.equal(r.json.creative.name, 'Creative');
  }
  const invalid = '{"error":{"message":"Invalid status. Must be either active or inactive","code":"INVALID_STATUS"}}';
  for (const body of [{}, { status: 'processing' }, { status: 'failed' }, { status: 'ACTIVE' }, { status: '' },
    { status: 1 }, { status: null }, { status: ['active'] }, ['active']]) {
    const r = await api('PUT', creativeUrl(`/${id}/status`), { token: A.token, body });
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.text, invalid);
  }
  // the status check comes before the ownership check
  let r = await api('PUT', creativeUrl(`/${randomUUID()}/status`), { token: A.token, body: { status: 'paused' } });
  assert.equal(r.json.error.code, 'INVALID_STATUS');
  r = await api('PUT', creativeUrl(`/${id}/status`), { token: B.token, body: { status: 'inactive' } });
  assert.equal(r.status, 404);
  assert.equal(r.json.error.message, 'Creative not found or you do not have permission');
  assert.deepEqual(sql(`SELECT status FROM creatives WHERE id = :'id'`, { id }), [['active']]);
  r = await api('PUT', creativeUrl('/bad/status'), { token: A.token, body: { status: 'active' } });
  assert.equal(r.json.error.message, 'Invalid id format');
});

// ---------------------------------------------------------------------------
// Delete
// ---------------------------------------------------------------------------

test('DELETE creative: row gone (GET 404); foreign 404 leaves it; impressions block it with 500 [quirk]', async () => {
  const id = addCreative(campA, A.id);
  let r = await api('DELETE', creativeUrl(`/${id}`), { token: B.token });
  assert.equal(r.status, 404);
  assert.equal(r.text, '{"error":{"message":"Creative not found or you do not have permission","code":"CREATIVE_NOT_FOUND"}}');
  assert.equal(sql(`SELECT COUNT(*) FROM creatives WHERE id = :'id'`, { id })[0][0], '1');
  r = await api('DELETE', creativeUrl(`/${id}`), { token: A.token });
  assert.equal(r.status, 200);
  assert.equal(r.text, `{"message":"Creative deleted successfully","creativeId":"${id}"}`);
  r = await api('GET', creativeUrl(`/${id}`), { token: A.token });
  assert.equal(r.status, 404);
  r = await api('DELETE', creativeUrl(`/${id}`), { token: A.token });
  assert.equal(r.status, 404);
  const busy = addCreative(campA, A.id);
  addImpression(busy, campA);
  r = await api('DELETE', creativeUrl(`/${busy}`), { token: A.token });
  assert.equal(r.status, 500);
  assert.equal(r.text, '{"error":{"message":"Failed to delete creative","code":"CREATIVE_DELETION_FAILED"}}');
  assert.equal(sql(`SELECT COUNT(*) FROM creatives WHERE id = :'id'`, { id: busy })[0][0], '1');
  r = await api('DELETE', creativeUrl('/0'), { token: A.token });
  assert.equal(r.json.error.code, 'INVALID_UUID_FORMAT');
});

test('DELETE creative removes the stored object too; a missing or foreign-looking object does not matter', async () => {
  const key = `campaigns/${campA}/creatives/${randomUUID()}.mp4`;
  const file = path.join(d.dataDir, 'media', key);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, 'not really a video');
  const url = `http://localhost:4566/${d.env.S3_BUCKET_NAME}/${key}`;
  const [[id]] = sql(`INSERT INTO creatives (campaign_id, name, video_url, duration, status, uploaded_by)
      VALUES (:'c', 'stored', :'url', 30, 'active', :'u') RETURNING id`, { c: campA, url, u: A.id });
  let r = await api('DELETE', creativeUrl(`/${id}`), { token: A.token });
  assert.equal(r.status, 200);
  assert.equal(fs.existsSync(file), false);
  // the object is already gone, or the URL is not ours: still 200
  for (const u of [url, 'https://elsewhere.example/x.mp4', '']) {
    const [[other]] = sql(`INSERT INTO creatives (campaign_id, name, video_url, duration, status, uploaded_by)
        VALUES (:'c', 'gone', :'url', 30, 'active', :'u') RETURNING id`, { c: campA, url: u, u: A.id });
    r = await api('DELETE', creativeUrl(`/${other}`), { token: A.token });
    assert.equal(r.status, 200, u);
  }
});

// ---------------------------------------------------------------------------
// Stats
// ---------------------------------------------------------------------------

test('GET creative stats: counts as strings, average watched rounded, null without data', async () => {
  const id = addCreative(campA, A.id, { name: 'stats' });
  let r = await api('GET', creativeUrl(`/${id}/stats`), { token: A.token });
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, { stats: { id, name: 'stats', status: 'active', duration: 30, impressions_count: '0',
    completions_count: '0', clicks_count: '0', avg_duration_watched: null } });
  addImpression(id, campA, { watched: 15, completed: 'false', clicked: 'true' });
  addImpression(id, campA, { watched: 22, completed: 'true' });
  addImpression(id, campA, { completed: 'true' });
  r = await api('GET', creativeUrl(`/${id}/stats`), { token: A.token });
  assert.deepEqual(Object.keys(r.json.stats), ['id', 'name', 'status', 'duration', 'impressions_count',
    'completions_count', 'clicks_count', 'avg_duration_watched']);
  assert.deepEqual(r.json.stats, { id, name: 'stats', status: 'active', duration: 30, impressions_count: '3',
    completions_count: '2', clicks_count: '1', avg_duration_watched: '18.50' });
  for (const [token, cid] of [[B.token, id], [A.token, randomUUID()]]) {
    r = await api('GET', creativeUrl(`/${cid}/stats`), { token });
    assert.equal(r.status, 404);
    assert.equal(r.text, '{"error":{"message":"Creative not found","code":"CREATIVE_NOT_FOUND"}}');
  }
  r = await api('GET', creativeUrl('/zz/stats'), { token: A.token });
  assert.equal(r.json.error.code, 'INVALID_UUID_FORMAT');
});

test('every creative route needs a token first (401 before UUID or body checks)', async () => {
  for (const [m, p] of [['GET', creativeUrl('/x')], ['PUT', creativeUrl('/x')], ['PUT', creativeUrl('/x/status')],
    ['DELETE', creativeUrl('/x')], ['GET', creativeUrl('/x/stats')], ['GET', listUrl('x')]]) {
    const r = await api(m, p);
    assert.equal(r.status, 401, `${m} ${p}`);
    assert.equal(r.json.error.code, 'MISSING_TOKEN');
  }
});

test('hostile input on creative routes: injection, huge numbers, 10k arrays, bad UTF-8 never 500', async () => {
  const id = addCreative(campA, A.id);
  const inj = "x'; DELETE FROM creatives; --";
  let r = await api('PUT', creativeUrl(`/${id}`), { token: A.token, body: { name: inj } });
  assert.equal(r.json.creative.name, inj);
  r = await api('PUT', creativeUrl(`/${id}`), { token: A.token, body: { duration: '99999999999999999999' } });
  assert.deepEqual(r.json, validationBody('duration', '"duration" must be a safe number'));
  r = await api('PUT', creativeUrl(`/${id}`), { token: A.token, body: { name: Array(10000).fill('a') } });
  assert.deepEqual(r.json, validationBody('name', '"name" must be a string'));
  r = await api('PUT', creativeUrl(`/${id}/status`), { token: A.token, body: Array(10000).fill({ status: 'active' }) });
  assert.equal(r.json.error.code, 'INVALID_STATUS');
  r = await request('PUT', creativeUrl(`/${id}`), { headers: { Authorization: `Bearer ${A.token}`, 'Content-Type': 'application/json' },
    body: Buffer.from([0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xc0, 0xaf, 0x22, 0x7d]) });
  assert.equal(r.status, 400);
  r = await api('GET', listUrl(campA, '?status=%00'), { token: A.token });
  assert.equal(r.status, 400);
});
