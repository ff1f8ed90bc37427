// PostgreSQL stopped under a running daemon: /health answers 503 with the
// database check in ERROR, admin routes that need the database answer their
// contract 500 (never hang or crash), the ad listener keeps serving, and
// the pool reconnects by itself once PostgreSQL is back on the same port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { startDaemon, request, api, createUser, sleep, ROOT } from '../lib/harness.mjs';

const svc = (...args) => execFileSync('bash', [path.join(ROOT, 'scripts/svc.sh'), ...args, process.env.VAR, 'pg'],
  { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

test('PostgreSQL outage: 503 health, contract 500s, ads still served, heals by itself', async () => {
  const user = createUser();
  const d = await startDaemon();
  let stopped = false;
  try {
    assert.equal((await api('GET', `${d.adminUrl}/api/v1/campaigns`, { token: user.token })).status, 200);
    svc('stop');
    stopped = true;
    const h = await request('GET', `${d.adminUrl}/health`, { timeout: 15000 });
    assert.equal(h.status, 503);
    assert.equal(h.json.status, 'ERROR');
    assert.equal(h.json.checks.database.status, 'ERROR');
    assert.equal(typeof h.json.checks.database.error, 'string');
    assert.equal(h.json.checks.redis.status, 'OK');
    const c = await api('GET', `${d.adminUrl}/api/v1/campaigns`, { token: user.token, timeout: 15000 });
    assert.equal(c.status, 500);
    assert.deepEqual(c.json, { error: { message: 'Authentication service error', code: 'AUTH_SERVICE_ERROR' } });
    const v = await request('GET', `${d.adUrl}/vast`);
    assert.equal(v.status, 200, 'the ad listener does not need PostgreSQL');
    svc('start');
    stopped = false;
    let ok = false;
    for (let i = 0; i < 50 && !ok; i++) {
      await sleep(200);
      ok = (await request('GET', `${d.adminUrl}/health`)).status === 200;
    }
    assert.ok(ok, '/health recovers without a restart');
    assert.equal((await api('GET', `${d.adminUrl}/api/v1/campaigns`, { token: user.token })).status, 200);
    const m = await request('GET', `${d.adminUrl}/metrics`);
    assert.match(m.text, /adserverd_db_reconnects_total [1-9]/);
  } finally {
    if (stopped) svc('start');
    await d.stop();
  }
});
