// Serving settings of a campaign: targeting, caps, pacing,
// advertiser and the VAST/VMAP tag, each an endpoint of its own over our own
// tables (sql/008), so the contract's campaign object stays untouched.
// Real HTTP against a real adserverd and PostgreSQL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startDaemon, api, request, sql, createUser } from '../lib/harness.mjs';

let d;
let A; // the owner
let B; // another advertiser
const PUBLIC = 'https://ads.example.tv';
const url = (p) => `${d.adminUrl}/api/v1/campaigns${p}`;
const VALID = {
  name: 'Serving Campaign', budget_total: 1000, start_date: '2025-01-01', end_date: '2025-12-31',
  cpm_rate: 5,
};
const v400 = (field, message) => ({ error: { message: 'Validation failed', details: [{ field, message }] } });
const NOT_FOUND = '{"error":{"message":"Campaign not found","code":"CAMPAIGN_NOT_FOUND"}}';

const TARGETING_DEFAULT = {
  countries: [], regions: [], dmas: [], device_types: [], os: [], app_bundles: [], content_genres: [],
  content_ratings: [], content_categories: [], livestream: 'any', dayparts: [],
};
const CAPS_DEFAULT = { per_hour: null, per_day: null, per_week: null };
const PACING_DEFAULT = { mode: 'even', time_zone: 'UTC', priority: 5, weight: 100 };
const ADVERTISER_DEFAULT = { domain: null, iab_categories: [], click_through_url: null };

before(async () => {
  d = await startDaemon({ ADSERVERD_PUBLIC_URL: `${PUBLIC}/` });
  A = createUser();
  B = createUser();
});
after(async () => {
  for (const u of [A, B]) {
    sql(`DELETE FROM campaigns WHERE created_by = :'u'; DELETE FROM users WHERE id = :'u'`, { u: u.id });
  }
  await d.stop();
});

async function create(token = A.token) {
  const r = await api('POST', url(''), { token, body: VALID });
  assert.equal(r.status, 201, r.text);
  return r.json.campaign.id;
}
const put = (id, what, body, token = A.token) => api('PUT', url(`/${id}/${what}`), { token, body });
const get = (id, what, token = A.token) => api('GET', url(`/${id}/${what}`), { token });

// ---------------------------------------------------------------------------
// Defaults and success paths
// ---------------------------------------------------------------------------

test('GET of a campaign without settings answers the defaults', async () => {
  const id = await create();
  for (const [what, body] of [['targeting', TARGETING_DEFAULT], ['caps', CAPS_DEFAULT],
    ['pacing', PACING_DEFAULT], ['advertiser', ADVERTISER_DEFAULT]]) {
    const r = await get(id, what);
    assert.equal(r.status, 200, what);
    assert.deepEqual(r.json, { [what]: body });
    assert.deepEqual(Object.keys(r.json[what]), Object.keys(body));
  }
  assert.equal(sql(`SELECT COUNT(*) FROM campaign_serving WHERE campaign_id = :'c'`, { c: id })[0][0], '0');
});

test('PUT targeting stores, normalises and answers the stored object; GET agrees', async () => {
  const id = await create();
  const body = {
    countries: ['us', 'CA'], regions: ['US-CA'], dmas: ['501'], device_types: ['ctv'], os: ['roku', 'tvos'],
    app_bundles: ['com.example.app'], content_genres: ['sports'], content_ratings: ['TV-PG'],
    content_categories: ['IAB17'], livestream: 'only',
    dayparts: [{ days: [1, 2, 3, 4, 5], hours: [18, 19, 20, 21, 22] }, { days: [0, 6], hours: [9, 10] }],
  };
  const r = await put(id, 'targeting', body);
  assert.equal(r.status, 200, r.text);
  const want = {
    ...body, countries: ['US', 'CA'],
    dayparts: [{ days: [0, 6], hours: [9, 10] }, { days: [1, 2, 3, 4, 5], hours: [18, 19, 20, 21, 22] }],
  };
  assert.deepEqual(r.json, { targeting: want });
  assert.deepEqual((await get(id, 'targeting')).json, { targeting: want });
  const [[masks, live]] = sql(`SELECT dayparts, livestream FROM campaign_targeting WHERE campaign_id = :'c'`, { c: id });
  const evening = (1 << 18) | (1 << 19) | (1 << 20) | (1 << 21) | (1 << 22);
  const morning = (1 << 9) | (1 << 10);
  assert.equal(masks, `{${morning},${evening},${evening},${evening},${evening},${evening},${morning}}`);
  assert.equal(live, 'only');
  // overlapping parts are ORed per day
  const r2 = await put(id, 'targeting', { dayparts: [{ days: [1], hours: [1] }, { days: [1, 2], hours: [2] }] });
  assert.deepEqual(r2.json.targeting.dayparts, [{ days: [1], hours: [1, 2] }, { days: [2], hours: [2] }]);
  // PUT replaces the whole object: absent fields go back to defaults
  const r3 = await put(id, 'targeting', {});
  assert.deepEqual(r3.json, { targeting: TARGETING_DEFAULT });
});

test('PUT caps, pacing and advertiser store and answer the stored objects', async () => {
  const id = await create();
  let r = await put(id, 'caps', { per_hour: 1, per_day: 3, per_week: null });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.text, '{"caps":{"per_hour":1,"per_day":3,"per_week":null}}');
  assert.deepEqual((await get(id, 'caps')).json, { caps: { per_hour: 1, per_day: 3, per_week: null } });
  r = await put(id, 'caps', { per_week: 10 });
  assert.deepEqual(r.json, { caps: { per_hour: null, per_day: null, per_week: 10 } });

  r = await put(id, 'pacing', { mode: 'asap', time_zone: 'America/New_York', priority: 10, weight: 1000000 });
  assert.equal(r.text, '{"pacing":{"mode":"asap","time_zone":"America/New_York","priority":10,"weight":1000000}}');
  assert.deepEqual((await get(id, 'pacing')).json.pacing.time_zone, 'America/New_York');

  r = await put(id, 'advertiser', { domain: 'Example.COM', iab_categories: ['IAB2', 'iab2-3'], click_through_url: 'https://example.com/landing?a=1&b=2' });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { advertiser: { domain: 'example.com', iab_categories: ['IAB2', 'IAB2-3'], click_through_url: 'https://example.com/landing?a=1&b=2' } });
  // pacing and advertiser share one row; each PUT leaves the other's columns alone
  assert.deepEqual((await get(id, 'pacing')).json.pacing, { mode: 'asap', time_zone: 'America/New_York', priority: 10, weight: 1000000 });
  r = await put(id, 'pacing', {});
  assert.deepEqual(r.json, { pacing: PACING_DEFAULT });
  assert.equal((await get(id, 'advertiser')).json.advertiser.domain, 'example.com');
  r = await put(id, 'advertiser', { domain: null });
  assert.deepEqual(r.json, { advertiser: ADVERTISER_DEFAULT });
  r = await put(id, 'pacing', { time_zone: 'UTC' });
  assert.equal(r.status, 200);
});

test('GET vast-tag answers the VAST and VMAP URLs with the IAB macros', async () => {
  const id = await create();
  const r = await get(id, 'vast-tag');
  assert.equal(r.status, 200, r.text);
  const dev = '&ifa=[IFA]&ifa_type=[IFATYPE]&ua=[DEVICEUA]&ip=[DEVICEIP]&app_bundle=[APPBUNDLE]'
    + '&app_name=[APPNAME]&app_store_url=[STOREURL]&device_type=[DEVICETYPE]'
    + '&lmt=[LIMITADTRACKING]&us_privacy=[USPRIVACY]&gdpr=[GDPR]&gdpr_consent=[GDPRCONSENT]';
  assert.deepEqual(r.json, {
    campaignId: id,
    vast: `${PUBLIC}/vast?campaign_id=${id}${dev}&cb=[CACHEBUSTING]`,
    vmap: `${PUBLIC}/vmap?campaign_id=${id}&content_id=[CONTENTID]&content_duration=[CONTENT_DURATION]`
      + `&livestream=[LIVESTREAM]${dev}&cb=[CACHEBUSTING]`,
  });
});

// ---------------------------------------------------------------------------
// Ownership and ids
// ---------------------------------------------------------------------------

test('another user\'s or a missing campaign answers 404; a malformed id format D', async () => {
  const id = await create();
  const missing = randomUUID();
  const bodies = { targeting: {}, caps: {}, pacing: {}, advertiser: {} };
  for (const what of Object.keys(bodies)) {
    for (const [cid, token] of [[id, B.token], [missing, A.token]]) {
      let r = await get(cid, what, token);
      assert.equal(r.status, 404, what);
      assert.equal(r.text, NOT_FOUND);
      r = await put(cid, what, bodies[what], token);
      assert.equal(r.status, 404, what);
      assert.equal(r.text, NOT_FOUND);
    }
    for (const bad of ['xyz', "1'%20OR%20'1'='1"]) {
      const r = await put(bad, what, {});
      assert.equal(r.status, 400);
      assert.equal(r.json.error.message, 'Invalid id format');
      assert.equal(r.json.error.code, 'INVALID_UUID_FORMAT');
    }
  }
  let r = await get(id, 'vast-tag', B.token);
  assert.equal(r.text, NOT_FOUND);
  r = await get('nope', 'vast-tag');
  assert.equal(r.json.error.message, 'Invalid id format');
  // B's attempt wrote nothing
  assert.equal(sql(`SELECT COUNT(*) FROM campaign_caps WHERE campaign_id = :'c'`, { c: id })[0][0], '0');
  // no token: 401
  r = await api('GET', url(`/${id}/caps`));
  assert.equal(r.status, 401);
});

// ---------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------

const long = (n, ch = 'a') => ch.repeat(n);
const VALIDATION = [
  ['targeting', [], '', '"value" must be of type object'],
  ['targeting', { countries: 'US' }, 'countries', '"countries" must be an array'],
  ['targeting', { countries: [1] }, 'countries', '"countries[0]" must be a string'],
  ['targeting', { countries: ['USA'] }, 'countries', '"countries[0]" must be an ISO 3166-1 alpha-2 country code'],
  ['targeting', { countries: ['U1'] }, 'countries', '"countries[0]" must be an ISO 3166-1 alpha-2 country code'],
  ['targeting', { regions: [''] }, 'regions', '"regions[0]" is not allowed to be empty'],
  ['targeting', { os: ['roku', long(101)] }, 'os', '"os[1]" length must be less than or equal to 100 characters long'],
  ['targeting', { app_bundles: Array(501).fill('x') }, 'app_bundles', '"app_bundles" must contain less than or equal to 500 items'],
  ['targeting', { livestream: 'sometimes' }, 'livestream', '"livestream" must be one of [any, only, never]'],
  ['targeting', { dayparts: {} }, 'dayparts', '"dayparts" must be an array'],
  ['targeting', { dayparts: [1] }, 'dayparts', '"dayparts[0]" must be of type object'],
  ['targeting', { dayparts: [{ hours: [1] }] }, 'dayparts', '"dayparts[0].days" is required'],
  ['targeting', { dayparts: [{ days: [], hours: [1] }] }, 'dayparts', '"dayparts[0].days" must contain at least 1 items'],
  ['targeting', { dayparts: [{ days: [7], hours: [1] }] }, 'dayparts', '"dayparts[0].days[0]" must be less than or equal to 6'],
  ['targeting', { dayparts: [{ days: [-1], hours: [1] }] }, 'dayparts', '"dayparts[0].days[0]" must be greater than or equal to 0'],
  ['targeting', { dayparts: [{ days: [1], hours: [24] }] }, 'dayparts', '"dayparts[0].hours[0]" must be less than or equal to 23'],
  ['targeting', { dayparts: [{ days: [1], hours: [1.5] }] }, 'dayparts', '"dayparts[0].hours[0]" must be an integer'],
  ['targeting', { dayparts: [{ days: ['1'], hours: [1] }] }, 'dayparts', '"dayparts[0].days[0]" must be a number'],
  ['targeting', { dayparts: [{ days: [1], hours: [1], at: 1 }] }, 'dayparts', '"dayparts[0].at" is not allowed'],
  ['targeting', { colour: 'red' }, 'colour', '"colour" is not allowed'],
  ['caps', { per_hour: 0 }, 'per_hour', '"per_hour" must be greater than or equal to 1'],
  ['caps', { per_day: 1.5 }, 'per_day', '"per_day" must be an integer'],
  ['caps', { per_week: '3' }, 'per_week', '"per_week" must be a number'],
  ['caps', { per_week: 1e10 }, 'per_week', '"per_week" must be less than or equal to 1000000000'],
  ['caps', { per_minute: 1 }, 'per_minute', '"per_minute" is not allowed'],
  ['pacing', { mode: 'fast' }, 'mode', '"mode" must be one of [even, asap]'],
  ['pacing', { time_zone: 'Mars/Olympus' }, 'time_zone', '"time_zone" must be a valid IANA time zone'],
  ['pacing', { time_zone: '../../../etc/passwd' }, 'time_zone', '"time_zone" must be a valid IANA time zone'],
  ['pacing', { time_zone: '/etc/localtime' }, 'time_zone', '"time_zone" must be a valid IANA time zone'],
  ['pacing', { time_zone: '' }, 'time_zone', '"time_zone" is not allowed to be empty'],
  ['pacing', { time_zone: 5 }, 'time_zone', '"time_zone" must be a string'],
  ['pacing', { priority: 11 }, 'priority', '"priority" must be less than or equal to 10'],
  ['pacing', { priority: 0 }, 'priority', '"priority" must be greater than or equal to 1'],
  ['pacing', { weight: 1000001 }, 'weight', '"weight" must be less than or equal to 1000000'],
  ['pacing', { weight: 'heavy' }, 'weight', '"weight" must be a number'],
  ['pacing', { budget: 1 }, 'budget', '"budget" is not allowed'],
  ['advertiser', { domain: 'not a domain' }, 'domain', '"domain" must contain a valid domain name'],
  ['advertiser', { domain: 'localhost' }, 'domain', '"domain" must contain a valid domain name'],
  ['advertiser', { domain: '-a.com' }, 'domain', '"domain" must contain a valid domain name'],
  ['advertiser', { domain: `${long(64)}.com` }, 'domain', '"domain" must contain a valid domain name'],
  ['advertiser', { domain: 7 }, 'domain', '"domain" must be a string'],
  ['advertiser', { iab_categories: 'IAB1' }, 'iab_categories', '"iab_categories" must be an array'],
  ['advertiser', { iab_categories: ['IAB1', 'IAB'] }, 'iab_categories', '"iab_categories[1]" must be an IAB content category (IAB<n> or IAB<n>-<m>)'],
  ['advertiser', { iab_categories: ['IAB0'] }, 'iab_categories', '"iab_categories[0]" must be an IAB content category (IAB<n> or IAB<n>-<m>)'],
  ['advertiser', { iab_categories: ['IAB1-2-3'] }, 'iab_categories', '"iab_categories[0]" must be an IAB content category (IAB<n> or IAB<n>-<m>)'],
  ['advertiser', { click_through_url: 'javascript:alert(1)' }, 'click_through_url', '"click_through_url" must be a valid uri with a scheme matching the http|https pattern'],
  ['advertiser', { click_through_url: 'https://' }, 'click_through_url', '"click_through_url" must be a valid uri with a scheme matching the http|https pattern'],
  ['advertiser', { click_through_url: 'https://a.com/x y' }, 'click_through_url', '"click_through_url" must be a valid uri with a scheme matching the http|https pattern'],
  ['advertiser', { click_through_url: `https://a.com/${long(2000)}` }, 'click_through_url', '"click_through_url" length must be less than or equal to 2000 characters long'],
  ['advertiser', { adomain: 'a.com' }, 'adomain', '"adomain" is not allowed'],
];

test('every validation failure answers format C with its message', async () => {
  const id = await create();
  for (const [what, body, field, message] of VALIDATION) {
    const r = await put(id, what, body);
    assert.equal(r.status, 400, `${what} ${JSON.stringify(body).slice(0, 80)}: ${r.text}`);
    assert.deepEqual(r.json, v400(field, message), JSON.stringify(body).slice(0, 80));
  }
  // nothing was stored by any of them
  for (const t of ['campaign_serving', 'campaign_targeting', 'campaign_caps']) {
    assert.equal(sql(`SELECT COUNT(*) FROM ${t} WHERE campaign_id = :'c'`, { c: id })[0][0], '0', t);
  }
});

test('hostile input answers 400, never 500; injection text is stored verbatim', async () => {
  const id = await create();
  const inj = "x'); DROP TABLE campaign_targeting; --";
  let r = await put(id, 'targeting', { app_bundles: [inj, '{"a":1}', 'a,b', '"q"', '\\'] });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.targeting.app_bundles, [inj, '{"a":1}', 'a,b', '"q"', '\\']);
  assert.equal(sql('SELECT COUNT(*) >= 0 FROM campaign_targeting')[0][0], 't');
  const big = Array.from({ length: 10000 }, (_, i) => `v${i}`);
  r = await put(id, 'targeting', { countries: big });
  assert.deepEqual(r.json, v400('countries', '"countries" must contain less than or equal to 500 items'));
  r = await put(id, 'targeting', { dayparts: Array(10000).fill({ days: [1], hours: [1] }) });
  assert.deepEqual(r.json, v400('dayparts', '"dayparts" must contain less than or equal to 168 items'));
  r = await put(id, 'advertiser', { iab_categories: big });
  assert.equal(r.status, 400);
  r = await put(id, 'caps', big);
  assert.deepEqual(r.json, v400('', '"value" must be of type object'));
  const h = { Authorization: `Bearer ${A.token}`, 'Content-Type': 'application/json' };
  for (const what of ['targeting', 'caps', 'pacing', 'advertiser']) {
    r = await request('PUT', url(`/${id}/${what}`), { headers: h, body: Buffer.concat([Buffer.from('{"domain":"ab'), Buffer.from([0xff, 0xfe]), Buffer.from('.com"}')]) });
    assert.equal(r.status, 400, what);
    r = await request('PUT', url(`/${id}/${what}`), { headers: h, body: '{"per_hour":' });
    assert.equal(r.status, 400, what);
    r = await put(id, what, { [what === 'caps' ? 'per_day' : 'x']: 'a\u0000b' });
    assert.equal(r.status, 400, what);
    r = await request('PUT', url(`/${id}/${what}`), { headers: h, body: '"just a string"' });
    assert.equal(r.status, 400, what);
    r = await request('PUT', url(`/${id}/${what}`), { headers: h, body: '[1,2,3]' });
    assert.deepEqual(r.json, v400('', '"value" must be of type object'), what);
  }
  for (const raw of ['1e400', '99999999999999999999', '-1e300']) {
    r = await request('PUT', url(`/${id}/caps`), { headers: h, body: `{"per_hour":${raw}}` });
    assert.equal(r.status, 400, raw);
  }
  r = await put(id, 'pacing', { priority: [5], weight: { a: 1 } });
  assert.deepEqual(r.json, v400('priority', '"priority" must be a number'));
  r = await put(id, 'pacing', { time_zone: 'America/New_York\u0000x' });
  assert.equal(r.status, 400);
  r = await put(id, 'pacing', { time_zone: long(300, 'A') });
  assert.deepEqual(r.json, v400('time_zone', '"time_zone" must be a valid IANA time zone'));
  // a body beyond the settings bound (1 MB) but under the global 10 MB
  r = await put(id, 'targeting', { os: [long(2 * 1024 * 1024)] });
  assert.equal(r.status, 413);
  assert.equal((await get(id, 'caps')).status, 200);
});

// ---------------------------------------------------------------------------
// Schema: cascade and catalog notifications
// ---------------------------------------------------------------------------

test('a hard-deleted campaign takes its settings rows with it', async () => {
  const id = await create();
  for (const [what, body] of [['targeting', { countries: ['US'] }], ['caps', { per_day: 2 }],
    ['pacing', { priority: 2 }], ['advertiser', { domain: 'a.com' }]]) {
    assert.equal((await put(id, what, body)).status, 200, what);
  }
  const count = () => sql(`SELECT (SELECT COUNT(*) FROM campaign_serving WHERE campaign_id = :'c')
    + (SELECT COUNT(*) FROM campaign_targeting WHERE campaign_id = :'c')
    + (SELECT COUNT(*) FROM campaign_caps WHERE campaign_id = :'c')`, { c: id })[0][0];
  assert.equal(count(), '3');
  const r = await api('DELETE', url(`/${id}?hard=true`), { token: A.token });
  assert.equal(r.status, 200, r.text);
  assert.equal(count(), '0');
});

test('changes to serving inputs notify adserverd_catalog with the table name', () => {
  const rows = sql(`SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
    JOIN pg_proc p ON p.oid = t.tgfoid WHERE p.proname = 'notify_catalog' AND NOT t.tgisinternal
    ORDER BY 1`).map((r) => r[0]);
  assert.deepEqual(rows, ['campaign_caps', 'campaign_serving', 'campaign_targeting',
    'campaign_trackers', 'campaigns', 'creative_renditions', 'creative_trackers',
    'creative_verifications', 'creatives', 'iab_category_exclusions']);
  // the notification itself, observed in one psql session: LISTEN, change, then read the queue
  const out = sql(`LISTEN adserverd_catalog;
    INSERT INTO iab_category_exclusions VALUES ('IAB7', 'IAB8');
    DELETE FROM iab_category_exclusions WHERE category_a = 'IAB7' AND category_b = 'IAB8';
    SELECT 1;`);
  const lines = out.map((r) => r.join('\t'));
  assert.ok(lines.some((l) => /^Asynchronous notification "adserverd_catalog" with payload "iab_category_exclusions" received/.test(l)), lines.join('\n'));
});

test('without public_url the tag uses the admin Host header\'s host and the ad port', async () => {
  const d2 = await startDaemon({ ADSERVERD_PUBLIC_URL: '' });
  try {
    const id = await create();
    const tag = (headers) => api('GET', `${d2.adminUrl}/api/v1/campaigns/${id}/vast-tag`, { token: A.token, headers });
    let r = await tag({ Host: `ads-admin.example.tv:${new URL(d2.adminUrl).port}` });
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.vast.startsWith(`http://ads-admin.example.tv:${d2.adPort}/vast?campaign_id=${id}&`), r.json.vast);
    assert.ok(r.json.vmap.startsWith(`http://ads-admin.example.tv:${d2.adPort}/vmap?campaign_id=${id}&`), r.json.vmap);
    // a Host that is not a plain host name never reaches the tag
    r = await tag({ Host: 'evil"><x>.example' });
    assert.ok(r.json.vast.startsWith(`http://localhost:${d2.adPort}/vast?`), r.json.vast);
  } finally {
    await d2.stop();
  }
});
