// Process life cycle: SIGHUP reloads the log level from the config file;
// SIGTERM lets a request in flight finish before the daemon exits 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startDaemon, request, sleep } from '../lib/harness.mjs';

test('SIGHUP re-reads the configuration file and applies the new log level', async () => {
  const dir = fs.mkdtempSync(path.join(process.env.VAR || '/tmp', 'hup-'));
  const file = path.join(dir, 'adserverd.conf');
  fs.writeFileSync(file, 'log_level = info\n');
  const d = await startDaemon({ LOG_LEVEL: undefined }, { args: ['-c', file] });
  try {
    fs.writeFileSync(file, 'log_level = debug\n');
    process.kill(d.pid, 'SIGHUP');
    for (let i = 0; i < 50 && !d.logs().includes('configuration reloaded'); i++) await sleep(50);
    assert.match(d.logs(), /"msg":"configuration reloaded","log_level":"debug"/);
    const r = await request('GET', `${d.adminUrl}/health`);
    assert.equal(r.status, 200, 'still serving after the reload');
  } finally {
    await d.stop();
  }
});

test('SIGTERM drains: a request whose body is still arriving completes, then exit 0', async () => {
  const d = await startDaemon();
  try {
    const body = JSON.stringify({ email: 'slow@example.com', password: 'password123' });
    const answer = new Promise((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port: d.adminPort });
      let got = '';
      s.on('data', (b) => { got += b; });
      s.on('close', () => resolve(got));
      s.on('connect', async () => {
        s.write(`POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`);
        s.write(body.slice(0, 10));
        await sleep(300);
        process.kill(d.pid, 'SIGTERM');
        await sleep(500);
        s.write(body.slice(10));
      });
    });
    const got = await answer;
    assert.match(got, /^HTTP\/1\.1 401 /, 'the in-flight login was answered');
    assert.match(d.logs(), /"msg":"shutting down"/);
  } finally {
    await d.stop();
  }
  assert.match(d.logs(), /"msg":"stopped"/);
});
