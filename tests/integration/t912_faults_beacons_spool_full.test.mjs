// A full spool refuses with 503 and loses nothing: with PostgreSQL
// unreachable and a 1 MiB spool, beacons are acknowledged until the spool
// is full, then answered 503 (and the ad listener's /health says
// NOT_READY); after a restart with PostgreSQL reachable, exactly the
// acknowledged ones reach it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, request, createUser } from '../lib/harness.mjs';
import { createCampaign, signed, fire, metric, waitFor, count } from '../lib/beacons.mjs';

test('spool full: 503 not ready, nothing acknowledged is lost', { timeout: 180000 }, async () => {
  const user = createUser();
  const { campaignId, creativeId } = createCampaign(user.id, { budget: '1000000.00' });
  const small = { ADSERVERD_SPOOL_MAX_MB: '1', ADSERVERD_SPOOL_SEGMENT_MB: '1', ADSERVERD_PER_IP_LIMIT: '256' };
  let d = await startDaemon({ ...small, DATABASE_URL: 'postgres://adserver@127.0.0.1:1/adserver' });
  const dataDir = d.dataDir;
  try {
    const paths = Array.from({ length: 6000 }, () => signed({ event: 'impression', campaignId, creativeId }));
    const r = await fire(d.adUrl, paths, { conns: 4 });
    const acked = r.ok.length;
    assert.ok(acked > 1000 && acked < 6000, `acknowledged ${acked}`);
    assert.equal(r.statuses[503], 6000 - acked, `only 503s besides 204s: ${JSON.stringify(r.statuses)}`);
    const h = await request('GET', `${d.adUrl}/health`);
    assert.equal(h.status, 503);
    assert.equal(h.json.status, 'NOT_READY');
    const m = (await request('GET', `${d.adminUrl}/metrics`)).text;
    assert.equal(metric(m, 'adserverd_beacons_refused_total{reason="spool_full"}'), 6000 - acked);
    await d.stop();
    d = await startDaemon({ ...small, ADSERVERD_DATA_DIR: dataDir });
    assert.ok(await waitFor(() => count(`SELECT count(*) FROM beacon_events WHERE campaign_id = :'c'`, { c: campaignId }) >= acked, 60000));
    await waitFor(async () => (await request('GET', `${d.adUrl}/health`)).status === 200, 10000);
    assert.equal(count(`SELECT count(*) FROM beacon_events WHERE campaign_id = :'c'`, { c: campaignId }), acked);
    assert.equal((await request('GET', `${d.adUrl}/health`)).status, 200, 'ready again once drained');
    console.log(`# spool full: 1 MiB spool, PostgreSQL unreachable: ${acked} acknowledged, ${6000 - acked} got 503; ` +
      `after restart rows ${acked}`);
  } finally {
    await d.stop();
  }
});
