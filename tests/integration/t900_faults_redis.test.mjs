// Redis stopped under a running daemon: /health reports DISCONNECTED with
// 200 (docs/admin-api.md), /api keeps answering with consistent rate-limit
// headers (local fallback), and everything recovers when Redis is back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, startRedis, request, sleep } from '../lib/harness.mjs';

test('Redis stopped mid-test: /health 200 DISCONNECTED, API still up, recovers', async () => {
  let r1 = await startRedis();
  const d = await startDaemon({ REDIS_URL: r1.url, RATE_LIMIT_MAX_REQUESTS: '1000' });
  try {
    let r = await request('GET', `${d.adminUrl}/health`);
    assert.equal(r.status, 200);
    assert.equal(r.json.checks.redis.status, 'OK');
    await r1.stop();
    r = await request('GET', `${d.adminUrl}/health`);
    assert.equal(r.status, 200);
    assert.equal(r.json.status, 'OK');
    assert.deepEqual(r.json.checks.redis, { status: 'DISCONNECTED' });
    assert.equal(r.json.checks.database.status, 'OK');
    const a = await request('GET', `${d.adminUrl}/api/v1/auth/profile`);
    const b = await request('GET', `${d.adminUrl}/api/v1/auth/profile`);
    assert.equal(a.status, 401);
    assert.ok(a.headers['ratelimit-remaining'] !== undefined);
    assert.equal(Number(a.headers['ratelimit-remaining']) - Number(b.headers['ratelimit-remaining']), 1);
    // Same port again: the daemon reconnects by itself after its back-off.
    const { spawn } = await import('node:child_process');
    const child = spawn('redis-server', ['--port', String(r1.port), '--bind', '127.0.0.1', '--save', ''], { stdio: 'ignore' });
    try {
      let ok = false;
      for (let i = 0; i < 50 && !ok; i++) {
        await sleep(200);
        r = await request('GET', `${d.adminUrl}/health`);
        ok = r.json.checks.redis.status === 'OK';
      }
      assert.ok(ok, 'redis check recovers');
    } finally {
      child.kill('SIGTERM');
      await new Promise((res) => child.on('exit', res));
    }
  } finally {
    await d.stop();
  }
});
