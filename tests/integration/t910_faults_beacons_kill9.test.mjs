// kill -9 in the middle of a beacon load: nothing acknowledged is lost,
// nothing is counted twice.
//
// N distinct signed impression beacons (BEACON_N, default 10,000; `make
// soak` runs 100,000) go out over several keep-alive connections; adserverd
// is SIGKILLed once about 40% are acknowledged and restarted on the same
// data directory. Then, like players, the client retries every beacon that
// got no answer (some of those were spooled before the kill and are
// deduplicated). After the drain: events in PostgreSQL == beacons
// acknowledged, exactly; the contract's stats and analytics agree.
//
// Run twice: with the default spool_fsync (group commit: acknowledged after
// its fdatasync) and with spool_fsync=interval:1000 (acknowledged once
// written to the kernel, synced every second): a kill -9 loses the process,
// not the page cache, so both must keep every acknowledged beacon.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, request, createUser, sleep } from '../lib/harness.mjs';
import { createCampaign, signed, fire, metric, waitFor, count } from '../lib/beacons.mjs';

const N = Number(process.env.BEACON_N || 10000);
const CONNS = 8;

async function drained(d, ms) {
  return waitFor(async () => {
    const m = (await request('GET', `${d.adminUrl}/metrics`)).text;
    return metric(m, 'adserverd_spool_pending_events') === 0;
  }, ms, 200);
}

const MODES = [
  { name: 'group commit (default)', env: {} },
  { name: 'interval:1000', env: { ADSERVERD_SPOOL_FSYNC: 'interval:1000' } },
];

for (const mode of MODES) {
test(`kill -9 under load, ${mode.name}: rows in PostgreSQL == 2xx acknowledged (N=${N})`, { timeout: 900000 }, async () => {
  const user = createUser();
  const { campaignId, creativeId } = createCampaign(user.id, { budget: '1000000.00' });
  const paths = Array.from({ length: N }, () => signed({ event: 'impression', campaignId, creativeId, priceMicros: 1000n }));
  let d = await startDaemon({ ADSERVERD_PER_IP_LIMIT: '256', ...mode.env });
  const dataDir = d.dataDir;
  const env = { ADSERVERD_PER_IP_LIMIT: '256', ADSERVERD_DATA_DIR: dataDir, ...mode.env };
  let killedAt = 0;
  try {
    const t0 = Date.now();
    const run = fire(d.adUrl, paths, { conns: CONNS, timeout: 5000 });
    // kill once ~40% are in
    const victim = d;
    const killer = (async () => {
      for (;;) {
        const done = count(`SELECT count(*) FROM beacon_events WHERE campaign_id = :'c'`, { c: campaignId });
        const m = await request('GET', `${victim.adminUrl}/metrics`).catch(() => null);
        const accepted = m ? metric(m.text, 'adserverd_beacons_total{event="impression",outcome="accepted"}') : 0;
        if (accepted >= N * 0.4 || done >= N * 0.4) break;
        await sleep(50);
      }
      killedAt = Date.now() - t0;
      await victim.kill9();
    })();
    const first = await run;
    await killer;
    const acked1 = first.ok.length;
    assert.ok(first.failed.length > 0, 'the kill interrupted the load');
    assert.ok(acked1 >= N * 0.3, `acknowledged before the kill: ${acked1}`);

    d = await startDaemon(env);
    assert.ok(await drained(d, 120000), 'the recovered spool drains');
    const rows1 = count(`SELECT count(*) FROM beacon_events WHERE campaign_id = :'c'`, { c: campaignId });
    const m1 = (await request('GET', `${d.adminUrl}/metrics`)).text;
    const recovered = metric(m1, 'adserverd_spool_recovered_records');
    // never less than acknowledged; more only by beacons in flight at the kill
    assert.ok(rows1 >= acked1, `rows ${rows1} < acknowledged ${acked1}`);
    assert.ok(rows1 <= acked1 + CONNS, `rows ${rows1} > acknowledged ${acked1} + ${CONNS} in flight`);

    // the players retry what got no answer
    const t1 = Date.now();
    const second = await fire(d.adUrl, first.failed, { conns: CONNS, timeout: 10000 });
    assert.equal(second.failed.length, 0, `retries failed: ${JSON.stringify(second.statuses)}`);
    const acked = acked1 + second.ok.length;
    assert.equal(acked, N);
    assert.ok(await drained(d, 120000));
    const rows = count(`SELECT count(*) FROM beacon_events WHERE campaign_id = :'c' AND valid`, { c: campaignId });
    const imps = count(`SELECT count(*) FROM impressions WHERE campaign_id = :'c'`, { c: campaignId });
    const daily = count(`SELECT COALESCE(sum(impressions_count), 0) FROM campaign_daily_stats WHERE campaign_id = :'c'`, { c: campaignId });
    const spent = count(`SELECT spent_micros FROM campaign_spend WHERE campaign_id = :'c'`, { c: campaignId });
    assert.equal(rows, acked, 'beacon_events == acknowledged');
    assert.equal(imps, acked, 'impressions rows == acknowledged');
    assert.equal(daily, acked, 'campaign_daily_stats.impressions_count == acknowledged');
    assert.equal(spent, acked * 1000, 'spend counted once per beacon');
    // the admin API's stats and analytics say the same
    const auth = { headers: { Authorization: `Bearer ${user.token}` } };
    const st = await request('GET', `${d.adminUrl}/api/v1/campaigns/${campaignId}/stats`, auth);
    assert.equal(st.json.stats.total_impressions, String(acked));
    const an = await request('GET', `${d.adminUrl}/api/v1/analytics/campaigns/${campaignId}`, auth);
    assert.equal(an.status, 200);
    const anImps = an.json.dailyStats.reduce((s, x) => s + x.impressions, 0);
    assert.equal(anImps, acked);
    console.log(`# kill -9 (${mode.name}): N=${N} conns=${CONNS} killed at ${killedAt} ms; acknowledged before kill ${acked1}, ` +
      `rows after restart ${rows1} (recovered records ${recovered}), retried ${first.failed.length} ` +
      `(${second.ok.length} 2xx, ${rows1 - acked1} of them already spooled), final acknowledged ${acked}, ` +
      `rows ${rows}, impressions ${imps}, daily ${daily}, stats API ${st.json.stats.total_impressions}; ` +
      `retry+drain ${Date.now() - t1} ms`);
  } finally {
    await d.stop();
  }
});
}
