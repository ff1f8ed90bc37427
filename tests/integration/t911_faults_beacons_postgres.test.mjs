// PostgreSQL stopped for 30+ s under beacon load: intake never fails (every
// beacon gets its 204 from the spool), the spool grows, and once
// PostgreSQL is back it drains by itself; nothing lost, nothing doubled.
// Reports the spool's peak and the drain time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { startDaemon, request, createUser, sleep, ROOT } from '../lib/harness.mjs';
import { createCampaign, signed, fire, metric, waitFor, count } from '../lib/beacons.mjs';

const svc = (...args) => execFileSync('bash', [path.join(ROOT, 'scripts/svc.sh'), ...args, process.env.VAR, 'pg'],
  { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const OUTAGE_MS = Number(process.env.PG_OUTAGE_MS || 32000);

test('PostgreSQL down >= 30 s under beacon load: intake never fails, spool drains after', { timeout: 300000 }, async () => {
  const user = createUser();
  const { campaignId, creativeId } = createCampaign(user.id, { budget: '1000000.00' });
  const d = await startDaemon({ ADSERVERD_PER_IP_LIMIT: '256' });
  let stopped = false;
  let loading = true;
  try {
    const metrics = async () => (await request('GET', `${d.adminUrl}/metrics`)).text;
    let acked = 0;
    let failed = 0;
    const statuses = {};
    // steady load in rounds of 200 beacons over 4 connections, until told to stop
    const load = (async () => {
      while (loading) {
        const paths = Array.from({ length: 200 }, () => signed({ event: 'impression', campaignId, creativeId, priceMicros: 2000n }));
        const r = await fire(d.adUrl, paths, { conns: 4, timeout: 10000 });
        acked += r.ok.length;
        failed += r.failed.length;
        for (const [k, v] of Object.entries(r.statuses)) statuses[k] = (statuses[k] || 0) + v;
        await sleep(20);
      }
    })();
    await sleep(2000);
    svc('stop');
    stopped = true;
    const tStop = Date.now();
    const ackedAtStop = acked;
    await sleep(OUTAGE_MS);
    const during = acked - ackedAtStop;
    const mDown = await metrics();
    const pendingDown = metric(mDown, 'adserverd_spool_pending_events');
    const ageDown = metric(mDown, 'adserverd_spool_oldest_unsent_seconds');
    svc('start');
    stopped = false;
    const tStart = Date.now();
    await sleep(3000);
    loading = false;
    await load;
    assert.equal(failed, 0, `intake failed during the outage: ${JSON.stringify(statuses)}`);
    assert.ok(during > 100, `beacons acknowledged while PostgreSQL was down: ${during}`);
    assert.ok(pendingDown > 0 && ageDown >= 20, `spool held them: pending ${pendingDown}, oldest ${ageDown} s`);
    const ok = await waitFor(async () => metric(await metrics(), 'adserverd_spool_pending_events') === 0, 120000, 200);
    const drainMs = Date.now() - tStart;
    assert.ok(ok, 'the spool drains by itself');
    const m = await metrics();
    const peak = metric(m, 'adserverd_spool_peak_bytes');
    const rows = count(`SELECT count(*) FROM beacon_events WHERE campaign_id = :'c'`, { c: campaignId });
    const daily = count(`SELECT COALESCE(sum(impressions_count), 0) FROM campaign_daily_stats WHERE campaign_id = :'c'`, { c: campaignId });
    assert.equal(rows, acked, 'nothing lost, nothing doubled');
    assert.equal(daily, acked);
    assert.ok(metric(m, 'adserverd_drain_errors_total') > 0, 'the drain did see the outage');
    assert.ok(metric(m, 'adserverd_spool_bytes') < peak);
    console.log(`# postgres outage: down ${tStart - tStop} ms under load; acknowledged ${acked} (${during} while down, ` +
      `0 failed); spool peak ${peak} bytes (${pendingDown} events, oldest ${ageDown} s); drained ${drainMs} ms after ` +
      `PostgreSQL started (incl. 3 s more load); rows ${rows}, daily impressions ${daily}`);
  } finally {
    loading = false;
    if (stopped) svc('start');
    await d.stop();
  }
});
