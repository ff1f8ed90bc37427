// Print N signed impression beacon paths (distinct AdServingIds), one per
// line, for bench_beacons.sh: node tests/bench/beacon_paths.mjs N CAMPAIGN
// CREATIVE JWT_SECRET. Uses the test suite's own implementation of the
// tracking-URL format (tests/lib/trackurl.mjs).
import { randomUUID } from 'node:crypto';
import { beaconPath, derivedKey } from '../lib/trackurl.mjs';

const [n, campaignId, creativeId, secret] = process.argv.slice(2);
const key = derivedKey(secret);
const out = [];
for (let i = 0; i < Number(n); i++) {
  out.push(beaconPath(key, { event: 'impression', asid: randomUUID(), campaignId, creativeId,
    priceMicros: 5000n }));
}
process.stdout.write(out.join('\n') + '\n');
