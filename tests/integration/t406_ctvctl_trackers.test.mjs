// ctvctl over an advertiser's own measurement: creatives trackers and
// verifications get|set and campaigns trackers get|set against a real
// adserverd: set sends the -f document (or stdin) whole, get prints what
// the server stored, bad documents exit 5 with the server's field, other
// users' objects exit 4, and a bad action is a usage error (exit 2).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDaemon, createUser, sql } from '../lib/harness.mjs';
import { ctl, ctlEnv, login } from '../lib/ctvctl.mjs';
import { makeCampaign, cleanupOwner } from '../lib/serving.mjs';

let d;
let u;
let other;
let env;
let camp;
let dir;
before(async () => {
  d = await startDaemon();
  u = createUser();
  other = createUser();
  env = ctlEnv(d.adminUrl);
  await login(env, u.email);
  camp = makeCampaign(u.id, { status: 'draft' });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctvctl-trackers-'));
});
after(async () => {
  cleanupOwner(u.id);
  cleanupOwner(other.id);
  fs.rmSync(dir, { recursive: true, force: true });
  await d.stop();
});

const file = (name, obj) => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, JSON.stringify(obj));
  return p;
};

test('creatives trackers set -f then get prints the stored document', async () => {
  const cr = camp.creatives[0];
  const f = file('t.json', { impression: ['https://pixel.example/i?cb=[CACHEBUSTING]'], events: { start: ['https://a.example/s'] } });
  const s = await ctl(['creatives', 'trackers', 'set', cr, '-f', f], { env });
  assert.equal(s.status, 0, s.stderr);
  const g = await ctl(['creatives', 'trackers', 'get', cr], { env });
  assert.equal(g.status, 0, g.stderr);
  const doc = JSON.parse(g.stdout);
  assert.deepEqual(doc.impression, ['https://pixel.example/i?cb=[CACHEBUSTING]']);
  assert.deepEqual(doc.events.start, ['https://a.example/s']);
  assert.deepEqual(doc.click, []);
  const j = await ctl(['--json', 'creatives', 'trackers', 'get', cr], { env });
  assert.deepEqual(JSON.parse(j.stdout).trackers, doc);
  const rows = sql(`SELECT COUNT(*) FROM creative_trackers WHERE creative_id = :'c'`, { c: cr });
  assert.equal(rows[0][0], '1');
});

test('creatives verifications and campaigns trackers, from stdin', async () => {
  const cr = camp.creatives[0];
  const v = { verifications: [{ vendor: 'ias.com-omid', javascript_url: 'https://ias.example/o.js' }] };
  const s = await ctl(['creatives', 'verifications', 'set', cr, '-f', '-'], { env, input: JSON.stringify(v) });
  assert.equal(s.status, 0, s.stderr);
  const g = await ctl(['creatives', 'verifications', 'get', cr], { env });
  assert.deepEqual(JSON.parse(g.stdout), [{ ...v.verifications[0], browser_optional: false, parameters: null, not_executed_url: null }]);
  const c = await ctl(['campaigns', 'trackers', 'set', camp.id, '-f', '-'], { env, input: '{"click":["https://c.example/"]}' });
  assert.equal(c.status, 0, c.stderr);
  assert.deepEqual(JSON.parse((await ctl(['campaigns', 'trackers', 'get', camp.id], { env })).stdout).click, ['https://c.example/']);
});

test('errors: validation exits 5 naming the field, foreign ids 4, bad usage 2', async () => {
  const cr = camp.creatives[0];
  const bad = await ctl(['creatives', 'trackers', 'set', cr, '-f', file('bad.json', { click: ['ftp://x/'] })], { env });
  assert.equal(bad.status, 5);
  assert.match(bad.stderr, /click\[0\]/);
  assert.deepEqual(JSON.parse((await ctl(['creatives', 'trackers', 'get', cr], { env })).stdout).click, []);
  const foreign = makeCampaign(other.id, { status: 'draft' });
  const nf = await ctl(['creatives', 'trackers', 'get', foreign.creatives[0]], { env });
  assert.equal(nf.status, 4);
  const nf2 = await ctl(['campaigns', 'trackers', 'get', foreign.id], { env });
  assert.equal(nf2.status, 4);
  const u1 = await ctl(['creatives', 'trackers', 'frob', cr], { env });
  assert.equal(u1.status, 2);
  assert.match(u1.stderr, /use get or set/);
  const u2 = await ctl(['creatives', 'trackers', 'set', cr], { env });
  assert.equal(u2.status, 2);
});
