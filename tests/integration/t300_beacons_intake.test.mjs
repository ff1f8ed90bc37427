// Beacon intake end to end: signed tracking URLs minted by an independent
// implementation of the format (tests/lib/trackurl.mjs), answered 204 (or a
// GIF, or 302 for a click) after the spool append, drained into
// PostgreSQL: beacon_events, the contract's impressions row and its
// progress, campaign_daily_stats counts and spend; invalid beacons get the
// same answer and are stored, never counted; a retry counts once. The
// interval fsync mode answers before any sync and drains the same way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { startDaemon, request, createUser, sql, redis, JWT_SECRET } from '../lib/harness.mjs';
import { createCampaign, signed, metric, waitFor, count } from '../lib/beacons.mjs';
import { beaconPath } from '../lib/trackurl.mjs';

test('signed beacons: 204, drained exactly once, stats and impression row follow', async () => {
  const user = createUser();
  const { campaignId, creativeId } = createCampaign(user.id, { clickUrl: 'https://advertiser.example/landing?x=1' });
  const d = await startDaemon();
  const t0 = new Date().toISOString();
  try {
    const asid = randomUUID();
    const imp = signed({ event: 'impression', asid, campaignId, creativeId, priceMicros: 5000n });
    const r1 = await request('GET', d.adUrl + imp);
    assert.equal(r1.status, 204);
    assert.equal(r1.text, '');
    // the player retries the same beacon: same answer, counted once
    assert.equal((await request('GET', d.adUrl + imp)).status, 204);
    // HEAD works; an image request gets a 1x1 GIF
    const start = signed({ event: 'start', asid, campaignId, creativeId });
    assert.equal((await request('HEAD', d.adUrl + start)).status, 204);
    const q1 = signed({ event: 'firstQuartile', asid, campaignId, creativeId });
    const g = await request('GET', d.adUrl + q1, { headers: { Accept: 'image/webp,image/*,*/*' } });
    assert.equal(g.status, 200);
    assert.equal(g.headers['content-type'], 'image/gif');
    const mid = signed({ event: 'midpoint', asid, campaignId, creativeId });
    assert.equal((await request('GET', d.adUrl + mid)).status, 204);
    const comp = signed({ event: 'complete', asid, campaignId, creativeId });
    assert.equal((await request('GET', d.adUrl + comp)).status, 204);
    // a click redirects to the campaign's click-through, from our table
    const click = signed({ event: 'click', asid, campaignId, creativeId, priceMicros: 0n });
    const c = await request('GET', d.adUrl + click);
    assert.equal(c.status, 302);
    assert.equal(c.headers.location, 'https://advertiser.example/landing?x=1');
    // error with the player's [ERRORCODE]
    const err = signed({ event: 'error', asid, campaignId, creativeId }).replace('[ERRORCODE]', '402');
    assert.equal((await request('GET', d.adUrl + err)).status, 204);

    // invalid ones: the same answer, stored as invalid
    const tampered = imp.replace(/s=([A-Za-z0-9_-])/, (m, ch) => `s=${ch === 'A' ? 'B' : 'A'}`);
    const expired = beaconPath(Buffer.from('wrong key wrong key wrong key!!'), { event: 'impression',
      asid: randomUUID(), campaignId, creativeId });
    const old = signed({ event: 'impression', campaignId, creativeId, issuedAt: Math.floor(Date.now() / 1000) - 3 * 86400 });
    for (const p of [tampered, expired, old, '/t/impression', '/t/impression?d=x&s=y']) {
      const r = await request('GET', d.adUrl + p);
      assert.equal(r.status, 204, p);
      assert.equal(r.text, '');
    }
    // altered event name in the path: invalid too
    assert.equal((await request('GET', d.adUrl + imp.replace('/t/impression', '/t/click'))).status, 204);

    const drained = await waitFor(() => count(`SELECT count(*) FROM beacon_events
      WHERE campaign_id = :'c' OR (NOT valid AND received_at >= :'t0')`, { c: campaignId, t0 }) >= 13, 20000);
    assert.ok(drained, 'events reach PostgreSQL');
    assert.equal(count(`SELECT count(*) FROM beacon_events WHERE campaign_id = :'c' AND valid`, { c: campaignId }), 7);
    assert.equal(count(`SELECT count(*) FROM beacon_events WHERE NOT valid AND received_at >= :'t0'`, { t0 }), 6);
    assert.equal(count(`SELECT count(*) FROM beacon_events WHERE invalid_reason = 'expired' AND received_at >= :'t0'`, { t0 }), 1);
    assert.equal(count(`SELECT error_code FROM beacon_events WHERE event_id = :'e'`, { e: `${asid}:error` }), 402);
    // the contract's rows
    const rows = sql(`SELECT completed, clicked, duration_watched FROM impressions WHERE campaign_id = :'c'`, { c: campaignId });
    assert.deepEqual(rows, [['t', 't', '20']]);
    const [[imps, clicks, comps, spend]] = sql(`SELECT impressions_count, clicks_count, completions_count, spend_amount
      FROM campaign_daily_stats WHERE campaign_id = :'c'`, { c: campaignId });
    assert.deepEqual([imps, clicks, comps], ['1', '1', '1']);
    assert.equal(spend, '0.00', '5000 micros is half a cent: truncated, never rounded up');
    assert.equal(count(`SELECT spent_micros FROM campaign_spend WHERE campaign_id = :'c'`, { c: campaignId }), 5000);
    assert.equal(Number(await redis(process.env.REDIS_URL, 'GET', `sp:{${campaignId}}:t`)), 5000);

    const m = (await request('GET', `${d.adminUrl}/metrics`)).text;
    assert.equal(metric(m, 'adserverd_beacons_total{event="impression",outcome="accepted"}'), 1);
    assert.equal(metric(m, 'adserverd_beacons_total{event="impression",outcome="deduplicated"}'), 1);
    assert.equal(metric(m, 'adserverd_beacons_invalid_total{reason="bad_signature"}'), 3);
    assert.equal(metric(m, 'adserverd_beacons_invalid_total{reason="malformed"}'), 2);
    assert.equal(metric(m, 'adserverd_beacons_invalid_total{reason="expired"}'), 1);
    assert.ok(metric(m, 'adserverd_spool_fsyncs_total') >= 1);
    assert.ok(metric(m, 'adserverd_drain_events_total') >= 13);
  } finally {
    await d.stop();
  }
});

test('track-impression (docs/admin-api.md): 202 queued, 400 message, one row and one count per call', async () => {
  const user = createUser();
  const { campaignId, creativeId } = createCampaign(user.id);
  const d = await startDaemon();
  const t0 = new Date().toISOString();
  try {
    const body = { campaign_id: campaignId, creative_id: creativeId, device_type: 'ctv',
      location_country: 'US', location_region: 'CA', user_agent: 'Roku/DVP-9.10', ip_address: '203.0.113.7',
      ad_id: 'ad-1', session_id: '' };
    for (let i = 0; i < 3; i++) {
      const r = await request('POST', `${d.adminUrl}/api/v1/track-impression`, {
        headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      assert.equal(r.status, 202);
      assert.equal(r.json.status, 'queued');
      assert.equal(typeof r.json.queue_size, 'number');
      assert.deepEqual(Object.keys(r.json), ['status', 'queue_size']);
    }
    for (const bad of [{}, { campaign_id: campaignId }, { campaign_id: '', creative_id: creativeId }]) {
      const r = await request('POST', `${d.adminUrl}/api/v1/track-impression`, {
        headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(bad) });
      assert.equal(r.status, 400);
      assert.deepEqual(r.json, { error: 'campaign_id and creative_id are required' });
    }
    // accepted here, set aside by the drain with the reason (never blocks the queue)
    const junk = await request('POST', `${d.adminUrl}/api/v1/track-impression`, {
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ campaign_id: 'not-a-uuid', creative_id: creativeId }) });
    assert.equal(junk.status, 202);
    const unknown = await request('POST', `${d.adminUrl}/api/v1/track-impression`, {
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ campaign_id: randomUUID(), creative_id: creativeId }) });
    assert.equal(unknown.status, 202);
    // the old Go API on the ad listener goes through the same spool
    const legacy = await request('POST', `${d.adUrl}/api/v1/impression`, {
      headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(legacy.status, 202);

    assert.ok(await waitFor(() => count(`SELECT count(*) FROM impressions WHERE campaign_id = :'c'`, { c: campaignId }) === 4, 20000));
    const rows = sql(`SELECT device_type, location_country, location_region, user_agent, host(ip_address), session_id
      FROM impressions WHERE campaign_id = :'c' LIMIT 1`, { c: campaignId });
    assert.deepEqual(rows, [['ctv', 'US', 'CA', 'Roku/DVP-9.10', '203.0.113.7', 'ad-1']]);
    assert.equal(count(`SELECT impressions_count FROM campaign_daily_stats WHERE campaign_id = :'c'`, { c: campaignId }), 4);
    // CPM 5.00: 5000 micros per impression
    assert.equal(count(`SELECT spent_micros FROM campaign_spend WHERE campaign_id = :'c'`, { c: campaignId }), 20000);
    assert.ok(await waitFor(() => count(`SELECT count(*) FROM beacon_dead_letters WHERE created_at >= :'t0'`, { t0 }) >= 2, 10000));
    const reasons = sql(`SELECT reason FROM beacon_dead_letters WHERE created_at >= :'t0' ORDER BY reason`, { t0 }).map((r) => r[0]);
    assert.ok(reasons.includes('malformed campaign_id'), reasons.join());
    assert.ok(reasons.includes('unknown campaign'), reasons.join());
    // the contract's stats endpoint sees the drained counts
    const s = await request('GET', `${d.adminUrl}/api/v1/campaigns/${campaignId}/stats`,
      { headers: { Authorization: `Bearer ${user.token}` } });
    assert.equal(s.status, 200);
    assert.equal(s.json.stats.total_impressions, "4");
  } finally {
    await d.stop();
  }
});

// spool_fsync=interval:<ms>: a beacon is answered once its record is written
// (no fdatasync before the answer; the interval thread syncs later), it
// drains like any other, and a malformed interval is refused at start.
test('spool_fsync interval mode: 204 before any fsync, drained once; bad forms refused', async () => {
  const user = createUser();
  const { campaignId, creativeId } = createCampaign(user.id);
  const d = await startDaemon({ ADSERVERD_SPOOL_FSYNC: 'interval:10000' });
  try {
    const paths = Array.from({ length: 20 }, () =>
      signed({ event: 'impression', campaignId, creativeId, priceMicros: 1000n }));
    for (const p of paths) assert.equal((await request('GET', d.adUrl + p)).status, 204);
    const m = (await request('GET', `${d.adminUrl}/metrics`)).text;
    assert.equal(metric(m, 'adserverd_spool_appended_total'), 20);
    // a 10 s interval: at most one periodic sync ran (on a slow start), so
    // at least 19 of the 20 answers cannot have waited for one
    assert.ok(metric(m, 'adserverd_spool_fsyncs_total') <= 1, 'answered without syncs');
    assert.ok(await waitFor(() => count(`SELECT count(*) FROM beacon_events WHERE campaign_id = :'c'`,
      { c: campaignId }) === 20, 30000), 'the 20 beacons drain');
  } finally {
    await d.stop();
  }
  const env = { PATH: process.env.PATH, DATABASE_URL: process.env.DATABASE_URL,
    REDIS_URL: process.env.REDIS_URL, JWT_SECRET, NODE_ENV: 'test' };
  for (const bad of ['interval:0', 'interval:', 'interval:10001', 'interval:1s', 'interval:-5']) {
    const r = spawnSync(process.env.ADSERVERD_BIN, ['check-config'],
      { env: { ...env, ADSERVERD_SPOOL_FSYNC: bad }, encoding: 'utf8' });
    assert.notEqual(r.status, 0, `spool_fsync=${bad} accepted`);
    assert.match(r.stderr, /spool_fsync must be always, 1\.\.1000 \(ms\) or interval:1\.\.10000 \(ms\)/);
  }
  const ok = spawnSync(process.env.ADSERVERD_BIN, ['check-config'],
    { env: { ...env, ADSERVERD_SPOOL_FSYNC: 'interval:1000' }, encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /spool_fsync = interval:1000/);
});
