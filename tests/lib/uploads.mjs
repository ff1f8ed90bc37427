// tests/lib/uploads.mjs: what the creative upload tests (t14x) share:
// multipart bodies built byte by byte (so malformed ones can be sent too),
// campaigns inserted straight into PostgreSQL, waiting for processing, and
// where the test s3rver keeps an object.
import path from 'node:path';
import fs from 'node:fs';
import { randomUUID, createHash, createHmac } from 'node:crypto';
import { request, sql, sleep, ROOT } from './harness.mjs';

export const MEDIA = path.join(ROOT, 'tests', 'fixtures', 'media');

// parts: [{ name, filename?, type?, data }] -> { body: Buffer, contentType }.
export function form(parts, boundary = `----adserverd-test-${randomUUID()}`) {
  const chunks = [];
  for (const p of parts) {
    let h = `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"`;
    if (p.filename !== undefined) h += `; filename="${p.filename}"`;
    h += '\r\n';
    if (p.type) h += `Content-Type: ${p.type}\r\n`;
    chunks.push(Buffer.from(`${h}\r\n`), Buffer.isBuffer(p.data) ? p.data : Buffer.from(String(p.data)), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

// POST the parts to the upload route of campaignId as user token.
export function upload(d, token, campaignId, parts) {
  const f = form(parts);
  return request('POST', `${d.adminUrl}/api/v1/campaigns/${campaignId}/creatives`, {
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': f.contentType }, body: f.body,
  });
}

// A CPM campaign of userId, inserted directly (the campaign API is not under test here).
export function createCampaign(userId, name = 'Upload test campaign') {
  const [[id]] = sql(`INSERT INTO campaigns (name, budget_total, start_date, end_date, created_by, pricing_model, cpm_rate)
    VALUES (:'name', 1000, now(), now() + interval '30 days', :'u', 'cpm', 5) RETURNING id`, { name, u: userId });
  return id;
}

// Every regular file below dir (relative paths), [] when dir does not exist.
export function filesUnder(dir) {
  const out = [];
  const walk = (d) => {
    let entries;
    try { entries = fs.readdirSync(d, { withFileTypes: true }); } catch { return; }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return out;
}

// Poll the creatives row until its status is want; returns the row as an object of strings.
export async function waitForStatus(id, want, timeoutMs = 15000) {
  const until = Date.now() + timeoutMs;
  let row;
  for (;;) {
    const rows = sql(`SELECT status, duration, width, height, file_size FROM creatives WHERE id = :'id'`, { id });
    if (rows.length) {
      const [status, duration, width, height, fileSize] = rows[0];
      row = { status, duration, width, height, file_size: fileSize };
      if (status === want) return row;
    }
    if (Date.now() > until) throw new Error(`creative ${id} did not become ${want}: ${JSON.stringify(row)}`);
    await sleep(100);
  }
}

// Where the test s3rver (scripts/svc.sh, VAR/s3/data) keeps the bytes of bucket/key.
export function s3ObjectPath(bucket, key) {
  return path.join(process.env.VAR || '', 's3', 'data', bucket, `${key}._S3rver_object`);
}

// RFC 3986 encoding as SigV4 wants it.
const enc = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

// Recompute a presigned URL's SigV4 query signature (s3rver does not check
// V4 signatures, so this is the independent check). true when it matches.
export function presignedSignatureValid(url, method, secret) {
  const u = new URL(url);
  const q = [...u.searchParams.entries()].filter(([k]) => k !== 'X-Amz-Signature')
    .map(([k, v]) => [enc(k), enc(v)]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`).join('&');
  const canonical = [method, u.pathname, q, `host:${u.host}\n`, u.searchParams.get('X-Amz-SignedHeaders'), 'UNSIGNED-PAYLOAD'].join('\n');
  const [, date, region, service] = u.searchParams.get('X-Amz-Credential').split('/');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', u.searchParams.get('X-Amz-Date'), scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  let key = Buffer.from(`AWS4${secret}`);
  for (const part of [date, region, service, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  return createHmac('sha256', key).update(toSign).digest('hex') === u.searchParams.get('X-Amz-Signature');
}

// Poll GET /api/v1/creatives/:id/media until no rendition is pending or
// running; returns the media object. Bounded: transcodes run in the
// daemon's children, slower on a loaded machine.
export async function waitForRenditions(d, token, id, timeoutMs = 180000) {
  const until = Date.now() + timeoutMs;
  let media;
  for (;;) {
    const r = await fetch(`${d.adminUrl}/api/v1/creatives/${id}/media`, { headers: { Authorization: `Bearer ${token}` } });
    media = (await r.json()).media;
    const open = (media?.renditions || []).filter((x) => x.state === 'pending' || x.state === 'running');
    if (media && media.renditions && media.renditions.length > 0 && open.length === 0) return media;
    if (Date.now() > until) throw new Error(`renditions of ${id} not done: ${JSON.stringify(media?.renditions)}`);
    await sleep(250);
  }
}
