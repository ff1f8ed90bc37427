// Connection limits sized for real traffic, with the defaults an operator
// gets: 64 players behind one untrusted address, each with up to 6
// connections like a browser, get every beacon answered and counted; 2,000
// keep-alive connections from a trusted proxy are all served; one untrusted
// address holding 2,000 idle connections is held to its per-address limit
// while other addresses are served, and the refusals are counted by reason.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { startDaemon, request, createUser, inboundConnections, sleep } from '../lib/harness.mjs';
import { createCampaign, signed, waitFor, count } from '../lib/beacons.mjs';

let d;
before(async () => { d = await startDaemon({ ADSERVERD_TRUSTED_PROXIES: '127.0.0.2' }); });
after(async () => { await d.stop(); });

const metrics = async () => (await request('GET', `${d.adminUrl}/metrics`)).text;
const series = (text, name) => Number(new RegExp(`^${name.replace(/[{}"]/g, '\\$&')} (\\d+)$`, 'm').exec(text)?.[1]);

test('64 players at one address, 6 connections each: every beacon answered 2xx and counted', { timeout: 120000 }, async () => {
  const user = createUser();
  const { campaignId, creativeId } = createCampaign(user.id);
  const PLAYERS = 64;
  const PER_PLAYER = 12;
  const u = new URL(d.adUrl);
  let fired = 0;
  let answered = 0;
  let peak = 0;
  const sampler = setInterval(() => { peak = Math.max(peak, inboundConnections(d.pid, [d.adPort])); }, 20);
  const player = async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 6 });
    const one = (path) => new Promise((resolve) => {
      const req = http.request({ host: u.hostname, port: u.port, path, agent, localAddress: '127.0.0.1' }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      });
      req.setTimeout(20000, () => req.destroy(new Error('timeout')));
      req.on('error', () => resolve(0));
      req.end();
    });
    // a player fires a break's beacons at once, as players do (6 in flight)
    const paths = Array.from({ length: PER_PLAYER }, (_, i) => signed({
      event: i % 2 ? 'start' : 'impression', asid: randomUUID(), campaignId, creativeId,
    }));
    fired += paths.length;
    const st = await Promise.all(paths.map(one));
    answered += st.filter((s) => s >= 200 && s < 300).length;
    agent.destroy();
  };
  const before = await metrics();
  await Promise.all(Array.from({ length: PLAYERS }, player));
  clearInterval(sampler);
  console.log(`players: fired ${fired}, answered ${answered}, peak connections ${peak}`);
  assert.equal(fired, PLAYERS * PER_PLAYER);
  assert.equal(answered, fired, `answered ${answered} of ${fired}`);
  assert.ok(peak > 64, `the players held ${peak} connections at once, past the old limit of 64`);
  const after = await metrics();
  const refused = (t) => series(t, 'adserverd_connections_refused_total{listener="ad",reason="per_address"}');
  assert.equal(refused(after) - refused(before), 0);
  const counted = await waitFor(() => count(`SELECT count(*) FROM beacon_events WHERE campaign_id = :'c'`, { c: campaignId }) >= fired, 60000);
  assert.ok(counted, 'every beacon reached PostgreSQL');
  const n = count(`SELECT count(*) FROM beacon_events WHERE campaign_id = :'c'`, { c: campaignId });
  console.log(`players: counted ${n}`);
  assert.equal(n, fired);
});

// Open n connections from localAddress and send one keep-alive request on
// each; resolves with the sockets and how many got a 200.
function openMany(port, n, localAddress, path = '/health') {
  return Promise.all(Array.from({ length: n }, () => new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port, localAddress });
    let got = '';
    const t = setTimeout(() => resolve({ s, ok: false }), 30000);
    s.on('error', () => { clearTimeout(t); resolve({ s, ok: false }); });
    s.on('close', () => { clearTimeout(t); resolve({ s, ok: false }); });
    s.on('data', (c) => {
      got += c.toString('latin1');
      if (/^HTTP\/1\.1 200 [^]*\r\n\r\n/.test(got)) { clearTimeout(t); resolve({ s, ok: true }); }
    });
    s.on('connect', () => s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`));
  })));
}

test('2,000 concurrent keep-alive connections from a trusted proxy are all served', { timeout: 120000 }, async () => {
  const t0 = Date.now();
  const conns = await openMany(d.adPort, 2000, '127.0.0.2');
  try {
    const ok = conns.filter((c) => c.ok).length;
    const open = inboundConnections(d.pid, [d.adPort]);
    console.log(`trusted proxy: ${ok} of 2000 answered 200, ${open} open at once, ${Date.now() - t0} ms`);
    assert.equal(ok, 2000);
    assert.ok(open >= 2000, `all held open at once: ${open}`);
  } finally {
    for (const c of conns) c.s.destroy();
  }
});

test('one untrusted address with 2,000 idle connections is held to its limit; others are served', { timeout: 120000 }, async () => {
  const before = await metrics();
  const socks = [];
  await Promise.all(Array.from({ length: 2000 }, () => new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port: d.adPort, localAddress: '127.0.0.3' });
    s.on('error', () => resolve());
    s.on('close', () => resolve());
    s.on('connect', () => { socks.push(s); s.write('GET /health HTTP/1.1\r\nHost: idle\r\n'); resolve(); });
  })));
  try {
    await sleep(500);
    let held = inboundConnections(d.pid, [d.adPort]);
    for (let i = 0; i < 30 && held > 1024 + 8; i++) {
      await sleep(100);
      held = inboundConnections(d.pid, [d.adPort]);
    }
    assert.ok(held <= 1024 + 8 && held >= 1000, `held ${held} of 2000 (limit 1024 per address)`);
    for (let i = 0; i < 20; i++) {
      const r = await request('GET', `${d.adUrl}/health`, { localAddress: '127.0.0.1', timeout: 5000 });
      assert.equal(r.status, 200);
    }
    const after = await metrics();
    const refused = (t) => series(t, 'adserverd_connections_refused_total{listener="ad",reason="per_address"}');
    console.log(`idle flood: held ${held}, refused ${refused(after) - refused(before)}`);
    assert.ok(refused(after) - refused(before) >= 2000 - held - 8, 'refusals counted by reason');
  } finally {
    for (const s of socks) s.destroy();
  }
});
