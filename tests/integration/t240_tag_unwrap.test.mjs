// The server-side unwrapper of third-party VAST tags against a local
// third-party ad server (tests/lib/thirdparty-server.mjs), through
// `adserverd unwrap URL` (the same engine serving uses, with the
// configured budget, size cap and address rule): wrapper chains of 1 to 6
// hops with every hop's trackers merged, loops, slow answers within and past
// the budget, HTTP errors, malformed XML, empty VAST, no media, oversized
// answers, entity bombs, redirects, and the loopback rule. Each failure
// must name the VAST error code serving fires (100, 301, 302, 303, 403).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { JWT_SECRET } from '../lib/harness.mjs';
import { startThirdParty } from '../lib/thirdparty-server.mjs';

let tp;
before(async () => { tp = await startThirdParty(); });
after(async () => { await tp.stop(); });

// Run adserverd unwrap (async: the third-party server lives in this process).
function unwrap(url, env = {}) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    execFile(process.env.ADSERVERD_BIN, ['unwrap', url], {
      env: { PATH: process.env.PATH, JWT_SECRET, DATABASE_URL: process.env.DATABASE_URL,
        ADSERVERD_TAG_ALLOW_PRIVATE: '1', ASAN_OPTIONS: 'detect_leaks=1', ...env },
      timeout: 20000,
    }, (err, stdout, stderr) => {
      const ms = Date.now() - t0;
      let json = null;
      try { json = JSON.parse(stdout); } catch { /* asserted below */ }
      assert.doesNotMatch(stderr, /AddressSanitizer|LeakSanitizer|runtime error/, stderr);
      resolve({ code: err ? err.code : 0, json, stderr, ms });
    });
  });
}

test('an InLine: media, duration, click-through, trackers and verification', async () => {
  const r = await unwrap(tp.url('/inline'));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.json.status, 'ok');
  assert.equal(r.json.hops, 1);
  assert.deepEqual(r.json.inline, { media_url: 'https://cdn.thirdparty.example/spot.mp4', media_type: 'video/mp4',
    width: 1920, height: 1080, bitrate_kbps: 4500, duration_ms: 20500,
    click_through: 'https://brand.example/landing', title: 'Brand Spot' });
  assert.deepEqual(r.json.trackers.impression, ['https://inline.example/imp?cb=[CACHEBUSTING]']);
  assert.deepEqual(r.json.trackers.error, ['https://inline.example/err?c=[ERRORCODE]']);
  assert.deepEqual(r.json.trackers.complete, ['https://inline.example/complete']);
  assert.deepEqual(r.json.verifications, [{ vendor: 'ias.com-omid', javascript_url: 'https://static.ias.example/omid.js',
    browser_optional: true, parameters: '{"p":1}', not_executed_url: 'https://ias.example/ne?r=[REASON]' }]);
});

test('wrapper chains of 1 to 4 wrappers merge every hop, outermost first', async () => {
  for (let n = 1; n <= 4; n++) {
    const r = await unwrap(tp.url(`/wrap/${n}`));
    assert.equal(r.code, 0, `${n}: ${r.stderr}`);
    assert.equal(r.json.status, 'ok');
    assert.equal(r.json.hops, n + 1);
    const want = [];
    for (let k = n; k >= 1; k--) want.push(`https://w${k}.example/imp`);
    want.push('https://inline.example/imp?cb=[CACHEBUSTING]');
    assert.deepEqual(r.json.trackers.impression, want);
    assert.equal(r.json.trackers.start.length, n + 1);
    assert.equal(r.json.trackers.click.length, n + 1);
    assert.equal(r.json.trackers.error.length, n + 1);
    assert.equal(r.json.inline.duration_ms, 20500);
  }
});

test('5 wrappers (6 documents) pass VAST\'s limit: 302, the collected error URLs kept', async () => {
  const r = await unwrap(tp.url('/wrap/5'));
  assert.equal(r.code, 1);
  assert.equal(r.json.status, 'hops');
  assert.equal(r.json.vast_error, 302);
  assert.equal(r.json.hops, 5);
  assert.equal(r.json.trackers.error.length, 5);
  assert.equal((await unwrap(tp.url('/wrap/6'))).json.vast_error, 302);
});

test('a loop is detected (302) before it is fetched again', async () => {
  const before = tp.hits['/loop/a'] || 0;
  const r = await unwrap(tp.url('/loop/a'));
  assert.equal(r.json.status, 'loop');
  assert.equal(r.json.vast_error, 302);
  assert.equal(r.json.hops, 2);
  assert.equal(tp.hits['/loop/a'] - before, 1);
});

test('failures map to their VAST error codes', async () => {
  const cases = [
    ['/status/500', 'fetch', 301], ['/status/404', 'fetch', 301], ['/malformed', 'xml', 100],
    ['/empty', 'empty', 303], ['/nomedia', 'no_media', 403], ['/huge', 'xml', 100],
    ['/entities', 'xml', 100],
  ];
  for (const [p, status, code] of cases) {
    const r = await unwrap(tp.url(p));
    assert.equal(r.code, 1, p);
    assert.equal(r.json.status, status, `${p}: ${r.json.message}`);
    assert.equal(r.json.vast_error, code, p);
  }
});

test('the budget bounds the whole chain: a slow answer inside it fills, past it times out (301)', async () => {
  const ok = await unwrap(tp.url('/slow?ms=50'));
  assert.equal(ok.json.status, 'ok');
  const slow = await unwrap(tp.url('/slow?ms=3000'));
  assert.equal(slow.json.status, 'timeout');
  assert.equal(slow.json.vast_error, 301);
  // default budget 300 ms; the process also starts and exits, so allow slack
  assert.ok(slow.ms < 2500, `took ${slow.ms} ms`);
  const longer = await unwrap(tp.url('/slow?ms=400'), { ADSERVERD_TAG_TIMEOUT_MS: '2000' });
  assert.equal(longer.json.status, 'ok');
});

test('only http(s); loopback refused unless tag_allow_private; redirects obey both', async () => {
  const blocked = await unwrap(tp.url('/inline'), { ADSERVERD_TAG_ALLOW_PRIVATE: '0' });
  assert.equal(blocked.json.status, 'blocked');
  assert.equal(blocked.json.vast_error, 301);
  const bad = await unwrap('ftp://127.0.0.1/x');
  assert.equal(bad.json.status, 'fetch');
  const redir = await unwrap(tp.url('/redirect?to=/inline'));
  assert.equal(redir.json.status, 'ok');
  const usage = await unwrap('');
  assert.notEqual(usage.code, 0);
});
