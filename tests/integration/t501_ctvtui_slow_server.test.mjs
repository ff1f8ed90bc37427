// t501: ctvtui never blocks on the network. A tiny HTTP server answers every
// request only after 5 s: the spinner turns, keys still work (help opens,
// views change), the answer is drawn when it comes; with --timeout 1 the
// error line says so; quitting with a request in flight is prompt and clean.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mintToken, sleep } from '../lib/harness.mjs';
import { Tui } from '../lib/tui.mjs';

const DELAY_MS = 5000;
let server;
let url;
const seen = [];

const summary = {
  summary: {
    totalCampaigns: 3, activeCampaigns: 2, pausedCampaigns: 1, completedCampaigns: 0,
    totalBudget: 3000, totalSpent: 750, budgetRemaining: 2250, budgetUtilization: 25,
    totalImpressions: 1200, totalClicks: 60, totalCompletions: 900, ctr: 5, completionRate: 75,
  },
  timeSeries: [{ date: '2026-12-06T00:00:00.000Z', impressions: 500, clicks: 20, completions: 400, spend: 300 },
    { date: '2026-12-07T00:00:00.000Z', impressions: 700, clicks: 40, completions: 500, spend: 450 }],
  topCampaigns: [{ id: '11111111-1111-4111-8111-111111111111', name: 'Slow but sure', status: 'active',
    budgetTotal: 1000, budgetSpent: 250, impressions: 700, clicks: 40, spend: 250, ctr: 5.71 }],
};

before(async () => {
  server = http.createServer((req, res) => {
    seen.push({ url: req.url, at: Date.now() });
    const body = req.url.startsWith('/api/v1/analytics/summary') ? summary
      : { campaigns: [], total: 0, page: 1, limit: 20 };
    const t = setTimeout(() => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    }, DELAY_MS);
    req.on('close', () => { if (!res.writableEnded) clearTimeout(t); });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${server.address().port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const token = () => {
  const now = Math.floor(Date.now() / 1000);
  return mintToken({ id: '22222222-2222-4222-8222-222222222222', email: 'slow@example.com', role: 'advertiser', iat: now, exp: now + 3600 });
};

test('ctvtui: a 5 s server shows the spinner and the UI keeps reacting to keys', async () => {
  const tui = new Tui({ server: url, env: { CTVCTL_TOKEN: token() } });
  const t0 = Date.now();
  try {
    let s = await tui.start({ waitFor: /loading \d+\.\ds/ });
    assert.match(s, /Loading\.\.\./);
    // the spinner turns: the elapsed time grows while nothing has come back
    await tui.waitFor(/loading [1-9]\.\ds/);
    assert.ok(Date.now() - t0 < DELAY_MS, 'the answer cannot be there yet');
    tui.keys('?');
    s = await tui.waitFor(/Keys \(q or Esc closes this help\)/, { timeout: 1500 });
    assert.ok(Date.now() - t0 < DELAY_MS, `help opened while waiting (${Date.now() - t0} ms)`);
    assert.match(s, /loading \d+\.\ds/, 'the request is still in flight');
    assert.match(s, /copy the VAST tag|next sort column|dashboard/);
    tui.keys('q');
    s = await tui.waitFor(/Dashboard/, { timeout: 1500 });
    // then the answer arrives and is drawn
    s = await tui.waitFor(/Campaigns\s+3 total/, { timeout: DELAY_MS + 5000 });
    assert.ok(Date.now() - t0 >= DELAY_MS - 200, 'drawn only once the server answered');
    assert.match(s, /\$750\.00 \/ \$3,000\.00\s+\S+\s+25\.0% used/);
    assert.match(s, /Slow but sure/);
    assert.match(s, /impressions [▁▂▃▄▅▆▇█]{2} 700/);
    await tui.waitFor((scr) => !/loading/.test(scr));
  } finally {
    await tui.stop();
  }
});

test('ctvtui: --timeout 1 puts a timeout on the error line and stays usable', async () => {
  const tui = new Tui({ server: url, args: ['--timeout', '1'], env: { CTVCTL_TOKEN: token() } });
  const t0 = Date.now();
  try {
    await tui.start({ waitFor: /loading/ });
    const s = await tui.waitFor(/error: .*timeout/, { timeout: 4000 });
    assert.ok(Date.now() - t0 < DELAY_MS, 'the timeout fired before the answer');
    assert.match(s, /Could not load the dashboard \(r retries\)/);
    tui.keys('2');
    await tui.waitFor(/Campaigns/, { timeout: 1500 });
  } finally {
    await tui.stop();
  }
});

test('ctvtui: quitting with a request in flight is prompt and leak-free', async () => {
  const tui = new Tui({ server: url, env: { CTVCTL_TOKEN: token() } });
  try {
    await tui.start({ waitFor: /loading/ });
    const t0 = Date.now();
    tui.keys('Q');
    while (tui.exited() === null && Date.now() - t0 < 4000) await sleep(50);
    assert.equal(tui.exited(), 0);
    assert.ok(Date.now() - t0 < 3000, `quit took ${Date.now() - t0} ms`);
  } finally {
    await tui.stop();
  }
});
