// What `make run` promises a newcomer: the demo that `adserverd seed-demo`
// loads is served at the very VAST and VMAP URLs that scripts/run.sh prints
// in its banner, and those documents pass the IAB schemas and the npm
// player parsers. The URLs are read from scripts/run.sh itself, so the
// banner cannot drift from what is tested.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startDaemon, request, sql, ROOT } from '../lib/harness.mjs';
import { checkVast, xsdCheck, vmapParse, adsOf } from '../lib/serving.mjs';

const FIXTURE = path.join(ROOT, 'tests/fixtures/media/ctv-demo-15s-1280x720.mp4');

// The serving URLs of the banner, as paths with their query ("/vast?...").
function bannerPaths() {
  const text = fs.readFileSync(path.join(ROOT, 'scripts/run.sh'), 'utf8');
  const banner = text.slice(text.indexOf('<<BANNER'), text.lastIndexOf('\nBANNER'));
  return [...new Set([...banner.matchAll(/http:\/\/127\.0\.0\.1:\$AD_PORT(\/v(?:ast|map)\?[^\s'"]+)/g)]
    .map((m) => m[1]))];
}

test('the VAST and VMAP URLs of the make run banner serve the demo campaign, valid', { timeout: 60000 }, async (t) => {
  const paths = bannerPaths();
  assert.ok(paths.some((p) => p.startsWith('/vast?')), `a VAST URL in the banner: ${paths}`);
  assert.ok(paths.some((p) => p.startsWith('/vmap?')), `a VMAP URL in the banner: ${paths}`);
  const d = await startDaemon();
  let campaignId = null;
  try {
    const out = execFileSync(process.env.ADSERVERD_BIN, ['seed-demo', FIXTURE], {
      env: { ...d.env, ADSERVERD_PUBLIC_URL: d.adUrl }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
    });
    campaignId = /"campaign_id":"([0-9a-f-]{36})"/.exec(out)?.[1] ?? null;
    if (campaignId === null) {
      [[campaignId]] = sql(`SELECT c.id FROM campaigns c JOIN users u ON u.id = c.created_by
        WHERE u.email = 'demo@example.com' ORDER BY c.created_at LIMIT 1`);
    }
    const [[creativeId]] = sql(`SELECT id FROM creatives WHERE campaign_id = :'c' AND status = 'active'`, { c: campaignId });
    // Only the demo is active in this test's catalog slice: other tests'
    // campaigns may be too, so wait until a banner VAST answers the demo.
    const vastPath = paths.find((p) => p.startsWith('/vast?'));
    let served = false;
    for (let i = 0; i < 100 && !served; i++) {
      const r = await request('GET', `${d.adUrl}${vastPath}&campaign_id=${campaignId}`);
      served = r.status === 200 && !r.headers['x-adserverd-no-fill'];
      if (!served) await new Promise((res) => setTimeout(res, 20));
    }
    assert.ok(served, 'the catalog serves the demo campaign');
    for (const p of paths) {
      const r = await request('GET', `${d.adUrl}${p}&campaign_id=${campaignId}`);
      assert.equal(r.status, 200, p);
      assert.equal(r.headers['x-adserverd-no-fill'], undefined, `${p} fills`);
      if (p.startsWith('/vast?')) {
        await checkVast(r.text, '4.2', t);
        assert.ok(adsOf(r.text).ads.length >= 1, `${p}: an ad`);
        assert.ok(r.text.includes(creativeId), `${p}: the demo creative`);
        assert.ok(r.text.includes(`/media/`) || r.text.includes('.mp4'), `${p}: a media file`);
      } else {
        xsdCheck(r.text, 'vmap', t);
        const s = await vmapParse(r.text);
        assert.ok(s.adBreaks.length >= 2, `${p}: breaks`);
        assert.ok(r.text.includes(creativeId), `${p}: the demo creative inline`);
      }
    }
  } finally {
    // Paused again, so the demo never serves in another test's catalog.
    if (campaignId) sql(`UPDATE campaigns SET status = 'paused' WHERE id = :'c'`, { c: campaignId });
    await d.stop();
  }
});
