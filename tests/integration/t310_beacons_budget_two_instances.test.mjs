// Two adserverd instances against one PostgreSQL and one Redis share a
// campaign's budget: spend counted at intake on either instance reaches
// the other's spend view (what decisioning reads) within 1 s; the drain's
// record caps the contract's budget_spent at budget_total and records the
// overspend (beacons of ads served before the stop) in micro-units.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, request, createUser, sleep } from '../lib/harness.mjs';
import { createCampaign, signed, fire, metric, waitFor, count } from '../lib/beacons.mjs';
import { sql } from '../lib/harness.mjs';

test('two instances: shared budget seen within 1 s, budget_spent capped, overspend recorded', { timeout: 120000 }, async () => {
  const user = createUser();
  // budget 1.00 = 1,000,000 micros; 10,000 micros per impression (CPM 10)
  const { campaignId, creativeId } = createCampaign(user.id, { budget: '1.00', cpm: '10.00' });
  const a = await startDaemon({ ADSERVERD_PER_IP_LIMIT: '256', ADSERVERD_SPEND_REFRESH_MS: '250' });
  const b = await startDaemon({ ADSERVERD_PER_IP_LIMIT: '256', ADSERVERD_SPEND_REFRESH_MS: '250' });
  try {
    const exhausted = async (d) => metric((await request('GET', `${d.adminUrl}/metrics`)).text,
      'adserverd_spend_campaigns_exhausted');
    const base = await exhausted(a);
    const beacons = (n) => Array.from({ length: n }, () => signed({ event: 'impression', campaignId, creativeId, priceMicros: 10000n }));
    // 60 on A, then the 40 that spend the rest on B
    assert.equal((await fire(a.adUrl, beacons(60), { conns: 4 })).failed.length, 0);
    await sleep(600);
    assert.equal(await exhausted(a), base, 'not spent yet');
    assert.equal((await fire(b.adUrl, beacons(40), { conns: 4 })).failed.length, 0);
    const t = Date.now();
    const seen = await waitFor(async () => (await exhausted(a)) === base + 1, 5000, 20);
    const latency = Date.now() - t;
    assert.ok(seen, 'A sees the budget B spent');
    assert.ok(latency <= 1000, `A saw B's spend after ${latency} ms`);
    // ads served before the stop still fire their beacons on both: overspend
    const late = beacons(30);
    await Promise.all([fire(a.adUrl, late.slice(0, 15), { conns: 2 }), fire(b.adUrl, late.slice(15), { conns: 2 })]);
    const drained = await waitFor(() => count(`SELECT count(*) FROM beacon_events WHERE campaign_id = :'c'`, { c: campaignId }) === 130, 20000);
    assert.ok(drained);
    const [[spent, billable, over]] = sql(`SELECT spent_micros, billable_micros, overspend_micros FROM campaign_spend
      WHERE campaign_id = :'c'`, { c: campaignId });
    assert.equal(Number(spent), 1300000);
    assert.equal(Number(billable), 1000000);
    assert.equal(Number(over), 300000);
    assert.equal(count(`SELECT sum(overspend_micros) FROM campaign_overspend WHERE campaign_id = :'c'`, { c: campaignId }), 300000);
    const [[budgetSpent, budgetTotal]] = sql(`SELECT budget_spent, budget_total FROM campaigns WHERE id = :'c'`, { c: campaignId });
    assert.equal(budgetSpent, budgetTotal, 'budget_spent stops at budget_total (valid_budget holds)');
    const [[spendAmount]] = sql(`SELECT sum(spend_amount) FROM campaign_daily_stats WHERE campaign_id = :'c'`, { c: campaignId });
    assert.equal(spendAmount, '1.00');
    assert.ok(await waitFor(async () => metric((await request('GET', `${a.adminUrl}/metrics`)).text,
      'adserverd_overspend_micros') >= 300000, 8000), 'overspend in /metrics');
    const m = (await request('GET', `${a.adminUrl}/metrics`)).text;
    console.log(`# two instances: budget 1000000 micros, spend seen by the other instance after ${latency} ms ` +
      `(refresh 250 ms); spent ${spent}, billable ${billable}, overspend ${over} micros ` +
      `(30 beacons of ads in flight at the stop, 10000 micros each); budget_spent ${budgetSpent} of ${budgetTotal}; ` +
      `overspend metric ${metric(m, 'adserverd_overspend_micros')}`);
  } finally {
    await a.stop();
    await b.stop();
  }
});
