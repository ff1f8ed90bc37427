// After a Redis FLUSHALL the counters intake keeps in Redis are rebuilt
// from PostgreSQL: the campaign's spend total and hour buckets, and the
// frequency-cap counters of the current hour, day and week (from the cap
// keys beacon_events keeps). The series endpoint shows the drained
// beacons minute by minute.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, request, createUser, redis, sql } from '../lib/harness.mjs';
import { createCampaign, signed, fire, metric, waitFor, count } from '../lib/beacons.mjs';
import { capKey } from '../lib/trackurl.mjs';

test('FLUSHALL: spend and frequency-cap counters come back from PostgreSQL', { timeout: 120000 }, async () => {
  const user = createUser();
  const { campaignId, creativeId } = createCampaign(user.id, { budget: '100.00' });
  const d = await startDaemon({ ADSERVERD_SPEND_REFRESH_MS: '100' });
  try {
    const viewer = capKey('ifa:6d92078a-8246-4ba4-ae5b-76104861e7dc');
    const viewerHex = viewer.toString('hex');
    const paths = Array.from({ length: 7 }, () => signed({ event: 'impression', campaignId, creativeId,
      priceMicros: 3000n, cap: viewer }));
    assert.equal((await fire(d.adUrl, paths, { conns: 2 })).failed.length, 0);
    assert.ok(await waitFor(() => count(`SELECT count(*) FROM beacon_events WHERE campaign_id = :'c'`, { c: campaignId }) === 7, 20000));
    const hourKey = async () => {
      const keys = await redis(process.env.REDIS_URL, 'KEYS', `fc:{u:${viewerHex}}:${campaignId}:h:*`);
      return keys.length === 1 ? Number(await redis(process.env.REDIS_URL, 'GET', keys[0])) : 0;
    };
    assert.equal(Number(await redis(process.env.REDIS_URL, 'GET', `sp:{${campaignId}}:t`)), 21000);
    assert.equal(await hourKey(), 7, 'intake committed the caps');
    assert.equal(await redis(process.env.REDIS_URL, 'FLUSHALL'), 'OK');
    assert.equal(await redis(process.env.REDIS_URL, 'GET', `sp:{${campaignId}}:t`), null);
    const back = await waitFor(async () => Number(await redis(process.env.REDIS_URL, 'GET', `sp:{${campaignId}}:t`)) === 21000, 10000);
    assert.ok(back, 'spend total rebuilt');
    assert.ok(await waitFor(async () => (await hourKey()) === 7, 5000), 'hour cap counter rebuilt');
    const dayKeys = await redis(process.env.REDIS_URL, 'KEYS', `fc:{u:${viewerHex}}:${campaignId}:d:*`);
    assert.equal(Number(await redis(process.env.REDIS_URL, 'GET', dayKeys[0])), 7);
    const m = (await request('GET', `${d.adminUrl}/metrics`)).text;
    assert.ok(metric(m, 'adserverd_spend_rebuilds_total') >= 1);
    assert.ok(metric(m, 'adserverd_freqcap_keys_rebuilt_total') >= 3);

    // the impression beacon turns serving's reservation into a count: the
    // reservation id is the request id ("...0000"), the AdServingId carries
    // slot 03 and ordinal 01 in its last four hex digits
    const rid = '7b1e4c2a-9d3f-4e8a-b6c1-5f2d8a9e0000';
    const asid = `${rid.slice(0, 32)}0301`;
    const resKey = `fc:{u:${viewerHex}}:${campaignId}:r`;
    await redis(process.env.REDIS_URL, 'ZADD', resKey, String(Date.now() + 60000), `${rid}:3`);
    const imp = signed({ event: 'impression', asid, campaignId, creativeId, cap: viewer });
    assert.equal((await request('GET', d.adUrl + imp)).status, 204);
    assert.ok(await waitFor(async () => (await redis(process.env.REDIS_URL, 'ZSCORE', resKey, `${rid}:3`)) === null, 5000),
      'the reservation is converted');
    assert.ok(await waitFor(async () => (await hourKey()) === 8, 5000), 'and counted');

    // the per-minute series
    const auth = { headers: { Authorization: `Bearer ${user.token}` } };
    const s = await request('GET', `${d.adminUrl}/api/v1/campaigns/${campaignId}/series?minutes=5`, auth);
    assert.equal(s.status, 200);
    assert.equal(s.json.campaign_id, campaignId);
    assert.equal(s.json.step_s, 60);
    assert.equal(s.json.points.length, 5);
    assert.deepEqual(Object.keys(s.json.points[0]), ['t', 'impressions', 'starts', 'completes', 'clicks', 'spend_micros', 'pacing_target_micros']);
    assert.match(s.json.from, /^\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z$/);
    assert.ok(await waitFor(() => count(`SELECT count(*) FROM beacon_events WHERE campaign_id = :'c'`, { c: campaignId }) === 8, 10000));
    const s2 = await request('GET', `${d.adminUrl}/api/v1/campaigns/${campaignId}/series?minutes=5`, auth);
    assert.equal(s2.json.points.reduce((a, p) => a + p.impressions, 0), 8);
    assert.equal(s2.json.points.reduce((a, p) => a + p.spend_micros, 0), 21000);
    assert.ok(s.json.points.at(-1).pacing_target_micros > 0, 'even pacing has a target');
    assert.equal((await request('GET', `${d.adminUrl}/api/v1/campaigns/${campaignId}/series`, auth)).json.points.length, 60);
    const bad = await request('GET', `${d.adminUrl}/api/v1/campaigns/${campaignId}/series?minutes=0`, auth);
    assert.equal(bad.status, 400);
    const other = createUser();
    const nf = await request('GET', `${d.adminUrl}/api/v1/campaigns/${campaignId}/series`,
      { headers: { Authorization: `Bearer ${other.token}` } });
    assert.equal(nf.status, 404);
    assert.equal((await request('GET', `${d.adminUrl}/api/v1/campaigns/${campaignId}/series`)).status, 401);
  } finally {
    await d.stop();
  }
});
