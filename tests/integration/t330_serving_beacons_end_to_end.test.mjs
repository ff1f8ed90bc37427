// The whole money loop across two instances behind one PostgreSQL and one
// Redis, with nothing minted by the test: players ask either instance for
// VAST, fire the Impression URL that VAST carries at the other instance (as
// a load balancer would), retry some beacons, and
//   - a budget stops being served by both instances within 1 s of being
//     spent; the overspend is what was served before they knew, and is
//     recorded in micro-units;
//   - a frequency cap of 3 a day is never exceeded across the two;
//   - after the drain, the contract's stats equal the number of distinct
//     impression beacons acknowledged, retries counted once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startDaemon, request, api, createUser, sql } from '../lib/harness.mjs';
import { makeCampaign, getVast, waitServable } from '../lib/serving.mjs';
import { waitFor, count } from '../lib/beacons.mjs';

const ENV = { ADSERVERD_SPEND_REFRESH_MS: '250', ADSERVERD_PER_IP_LIMIT: '256' };

// The path and query of every <Impression> URL of a VAST text, with the
// player's macro filled as a player fills it.
function impressionPaths(xml) {
  return [...xml.matchAll(/<Impression[^>]*><!\[CDATA\[(.*?)\]\]><\/Impression>/g)]
    .map((m) => {
      const u = new URL(m[1].replace('[CONTENTPLAYHEAD]', encodeURIComponent('00:00:00.000')));
      return u.pathname + u.search;
    });
}

async function fireOnce(d, path) {
  const r = await request('GET', `${d.adUrl}${path}`);
  return r.status;
}

test('a budget spent through real VAST beacons stops both instances within 1 s', { timeout: 120000 }, async () => {
  const user = createUser();
  // CPM 10.00: 10,000 micros an impression; budget 1.00 = 100 impressions
  const c = makeCampaign(user.id, { budget: 1, cpm: 10 });
  const a = await startDaemon(ENV);
  const b = await startDaemon(ENV);
  try {
    await waitServable(a, c.id);
    await waitServable(b, c.id);
    let acked = 0;
    let retries = 0;
    let spentAt = null;
    let stoppedAt = null;
    let servedAfterSpent = 0;
    const stopped = { a: false, b: false };
    for (let i = 0; i < 2000 && !(stopped.a && stopped.b); i++) {
      const [d, other, name] = i % 2 ? [a, b, 'a'] : [b, a, 'b'];
      const v = await getVast(d, { campaign_id: c.id, ifa: randomUUID() });
      assert.equal(v.status, 200);
      if (v.noFill) {
        assert.equal(v.noFill, 'budget', 'the no-fill reason is the budget');
        stopped[name] = true;
        if (stopped.a && stopped.b && stoppedAt === null) stoppedAt = Date.now();
        continue;
      }
      stopped[name] = false;
      if (spentAt !== null) servedAfterSpent++;
      const paths = impressionPaths(v.text);
      assert.equal(paths.length, 1, 'one signed Impression URL of ours');
      assert.equal(await fireOnce(other, paths[0]), 204);
      acked++;
      if (i % 7 === 0) { // a player's retry of the same beacon, at the other instance
        assert.equal(await fireOnce(d, paths[0]), 204);
        retries++;
      }
      if (acked === 100 && spentAt === null) spentAt = Date.now();
    }
    assert.ok(spentAt !== null, 'the budget was spent');
    assert.ok(stoppedAt !== null, 'both instances stopped serving');
    const stopMs = stoppedAt - spentAt;
    assert.ok(stopMs <= 1000, `both stopped ${stopMs} ms after the budget was spent`);

    const drained = await waitFor(() => count(`SELECT count(*) FROM impressions WHERE campaign_id = :'c'`, { c: c.id }) === acked, 30000);
    assert.ok(drained, `impressions rows reach ${acked}`);
    const [[spent, billable, over]] = sql(`SELECT spent_micros, billable_micros, overspend_micros
      FROM campaign_spend WHERE campaign_id = :'c'`, { c: c.id });
    assert.equal(Number(spent), acked * 10000);
    assert.equal(Number(billable), 1000000);
    assert.equal(Number(over), (acked - 100) * 10000);
    const stats = (await api('GET', `${a.adminUrl}/api/v1/campaigns/${c.id}/stats`, { token: user.token })).json.stats;
    assert.equal(stats.total_impressions, String(acked), 'stats count each distinct beacon once');
    assert.equal(stats.budget_spent, '1.00');
    console.log(`# end to end: ${acked} impressions acknowledged (+${retries} retries, not counted), ` +
      `stopped on both instances ${stopMs} ms after the budget was spent; ` +
      `overspend ${(acked - 100) * 10000} micros (${servedAfterSpent} ads served after the 100th impression); ` +
      `stats total_impressions ${stats.total_impressions}`);
  } finally {
    await a.stop();
    await b.stop();

  }
});

test('a frequency cap of 3 a day holds across two instances with real beacons', { timeout: 60000 }, async () => {
  const user = createUser();
  const c = makeCampaign(user.id, { caps: { per_day: 3 } });
  const a = await startDaemon(ENV);
  const b = await startDaemon(ENV);
  try {
    const ifa = randomUUID();
    await waitServable(a, c.id, { ifa: randomUUID() });
    await waitServable(b, c.id, { ifa: randomUUID() });
    let served = 0;
    let noFills = 0;
    for (let i = 0; i < 20; i++) {
      const [d, other] = i % 2 ? [a, b] : [b, a];
      // two requests at once on the two instances: the reservation is atomic
      const [v1, v2] = await Promise.all([getVast(d, { campaign_id: c.id, ifa }), getVast(other, { campaign_id: c.id, ifa })]);
      for (const [v, to] of [[v1, other], [v2, d]]) {
        if (v.noFill) { noFills++; continue; }
        served++;
        for (const p of impressionPaths(v.text)) assert.equal(await fireOnce(to, p), 204);
      }
    }
    assert.equal(served, 3, `served ${served} ads to one viewer capped at 3 a day`);
    assert.equal(noFills, 37);
    const drained = await waitFor(() => count(`SELECT count(*) FROM impressions WHERE campaign_id = :'c'`, { c: c.id }) === 3, 20000);
    assert.ok(drained, 'the three impressions are counted');
    console.log(`# cap across two instances: 40 requests for one viewer, ${served} served (cap 3), cap violations ${Math.max(0, served - 3)}`);
  } finally {
    await a.stop();
    await b.stop();

  }
});
