// Helpers of the beacon tests (t3NN, t9NN): fixtures in PostgreSQL, a
// bounded concurrent beacon firer over keep-alive connections, and waiting
// for the drain.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { sql, sleep, JWT_SECRET } from './harness.mjs';
import { beaconPath, derivedKey } from './trackurl.mjs';

export const KEY = derivedKey(JWT_SECRET);

// A user, one active campaign and one creative of it; returns their ids.
export function createCampaign(userId, { budget = '1000.00', pricing = 'cpm', cpm = '5.00',
  clickUrl = null } = {}) {
  const [[cid]] = sql(`INSERT INTO campaigns (name, status, budget_total, start_date, end_date,
      created_by, pricing_model, cpm_rate)
    VALUES ('beacon test', 'active', :'budget', now() - interval '1 day', now() + interval '30 days',
      :'uid', :'pricing', NULLIF(:'cpm', '')::numeric) RETURNING id`,
  { budget, uid: userId, pricing, cpm: pricing === 'cpm' ? cpm : '' });
  const [[crid]] = sql(`INSERT INTO creatives (campaign_id, name, video_url, duration, format, status,
      uploaded_by) VALUES (:'cid', 'c', 'http://x/v.mp4', 20, 'mp4', 'active', :'uid') RETURNING id`,
  { cid, uid: userId });
  if (clickUrl) {
    sql(`INSERT INTO campaign_serving (campaign_id, click_through_url) VALUES (:'cid', :'url')`,
      { cid, url: clickUrl });
  }
  return { campaignId: cid, creativeId: crid };
}

export function signed(opts) {
  return beaconPath(KEY, { asid: randomUUID(), ...opts });
}

// Fire every path in paths at base with `conns` keep-alive connections.
// Returns { ok: [paths answered 2xx/302], failed: [paths that errored or got another status] }.
export async function fire(base, paths, { conns = 8, method = 'GET', timeout = 10000,
  stopOnError = false } = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: conns });
  const u = new URL(base);
  const ok = [];
  const failed = [];
  const statuses = {};
  let next = 0;
  let stop = false;
  const one = (p) => new Promise((resolve) => {
    const req = http.request({ host: u.hostname, port: u.port, path: p, method, agent, timeout },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
        res.on('error', () => resolve(0));
      });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(0));
    req.end();
  });
  const worker = async () => {
    while (!stop && next < paths.length) {
      const p = paths[next++];
      const st = await one(p);
      statuses[st] = (statuses[st] || 0) + 1;
      if (st >= 200 && st < 400) ok.push(p);
      else {
        failed.push(p);
        if (stopOnError) stop = true;
      }
    }
  };
  await Promise.all(Array.from({ length: conns }, worker));
  agent.destroy();
  return { ok, failed, statuses };
}

// Prometheus value of a series (first match), or NaN.
export function metric(text, name) {
  const esc = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`^${esc} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

// Wait until fn() is truthy (polling), at most ms; returns its last value.
export async function waitFor(fn, ms = 30000, step = 100) {
  const end = Date.now() + ms;
  let v;
  while (Date.now() < end) {
    v = await fn();
    if (v) return v;
    await sleep(step);
  }
  return v;
}

export const count = (q, vars) => Number(sql(q, vars)[0][0]);
