// A second, independent implementation of the signed tracking-URL format of
// adserverd/vast/trackurl.h (node's crypto, not the daemon's code), so beacon
// tests mint their own URLs and also check the format itself:
//   <base>/t/<event>?d=<payload>&s=<sig>[&e=[ERRORCODE]][&cp=[CONTENTPLAYHEAD]]
// payload: 82 bytes, big-endian: version 1, event, issued_at (s, int64),
// ad serving id, campaign id, creative id (16 bytes each), cap key (16),
// price_micros (int64); d = base64url(payload), s = base64url of the first
// 16 bytes of HMAC-SHA256(key, d).
import { createHmac, createHash, randomUUID } from 'node:crypto';

export const EVENTS = ['impression', 'start', 'firstQuartile', 'midpoint', 'thirdQuartile',
  'complete', 'click', 'error', 'pause', 'resume', 'mute', 'unmute', 'skip', 'close', 'noFill'];

const uuidBytes = (u) => Buffer.from(u.replace(/-/g, ''), 'hex');

// The daemon's key when ADSERVERD_TRACKING_SECRET is unset: HMAC-SHA256(JWT_SECRET, label).
export function derivedKey(jwtSecret) {
  return createHmac('sha256', jwtSecret).update('adserverd tracking urls').digest();
}

export function capKey(s) {
  return createHash('sha256').update(s).digest().subarray(0, 16);
}

// Path and query of a signed beacon (append to the ad listener's base URL).
export function beaconPath(key, { event = 'impression', asid = randomUUID(), campaignId, creativeId,
  issuedAt = Math.floor(Date.now() / 1000), cap = Buffer.alloc(16), priceMicros = 0n } = {}) {
  const type = EVENTS.indexOf(event);
  if (type < 0) throw new Error(`unknown event ${event}`);
  const p = Buffer.alloc(82);
  p[0] = 1;
  p[1] = type;
  p.writeBigInt64BE(BigInt(issuedAt), 2);
  uuidBytes(asid).copy(p, 10);
  uuidBytes(campaignId).copy(p, 26);
  uuidBytes(creativeId).copy(p, 42);
  Buffer.from(cap).copy(p, 58);
  p.writeBigInt64BE(BigInt(priceMicros), 74);
  const d = p.toString('base64url');
  const s = createHmac('sha256', key).update(d).digest().subarray(0, 16).toString('base64url');
  let q = `/t/${event}?d=${d}&s=${s}`;
  if (event === 'error' || event === 'noFill') q += '&e=[ERRORCODE]';
  if (event !== 'noFill') q += '&cp=[CONTENTPLAYHEAD]';
  return q;
}
