#!/usr/bin/env node
// Parse a VAST document with the IAB-listed reference player parser
// (@dailymotion/vast-client's VASTParser, DOM from @xmldom/xmldom) and print
// a JSON summary on stdout:
//   { "ok": true, "version": "4.2", "ads": [...], "errors": [...],
//     "warnings": [...], "xmlErrors": [...] }
// errors   = the parser's VAST-error events (e.g. 101 schema, 102 version,
//            303 no ad), warnings = its VAST-warning events (required values
//            missing per IAB spec), xmlErrors = DOM parser complaints
//            ("warning: ...", "error: ..." e.g. an unknown entity; treat any
//            as a failure of a document we produced).
// @xmldom/xmldom is 0.9.x on purpose: vast-client's required-value checks
// walk Element.children, which 0.8.x lacks (no warning would ever fire).
//
// Usage: node tests/lib/vast-parse.mjs FILE|-  [--full]
//   FILE  path of a VAST XML file, or "-" to read stdin
//   --full  also include the parser's whole response under "response"
// Exit status: 0 parsed (check "errors"/"warnings" yourself), 1 the document
// could not be parsed at all (not XML, not VAST), 2 usage error.
// Nothing is fetched and no tracking URL is called (vast-client only pings
// trackers when a browser `window` exists; parseVAST never follows wrappers).
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import xmldom from '@xmldom/xmldom';
import vastClient from '@dailymotion/vast-client';

const { DOMParser } = xmldom;
const { VASTParser } = vastClient;

export function parseXml(text) {
  const xmlErrors = [];
  // xmldom 0.9: onError(level, message); a fatalError still throws afterwards.
  const parser = new DOMParser({
    onError: (level, message) => xmlErrors.push(`${level}: ${String(message).split('\n')[0]}`),
  });
  let doc = null;
  try {
    doc = parser.parseFromString(text, 'text/xml');
  } catch (e) {
    const m = `fatalError: ${String(e.message || e).split('\n')[0]}`;
    if (!xmlErrors.includes(m)) xmlErrors.push(m);
    doc = null;
  }
  return { doc, xmlErrors };
}

function urls(list) {
  return (list || []).map((t) => (typeof t === 'string' ? t : t && t.url)).filter(Boolean);
}

function summarizeCreative(c) {
  const out = { type: c.type, id: c.id ?? null, adId: c.adId ?? null, sequence: c.sequence ?? null };
  if (c.universalAdIds) out.universalAdIds = c.universalAdIds.map((u) => ({ idRegistry: u.idRegistry, value: u.value }));
  if (c.type === 'linear') {
    out.duration = c.duration;
    out.skipDelay = c.skipDelay ?? null;
    out.clickThrough = c.videoClickThroughURLTemplate ? urls([c.videoClickThroughURLTemplate])[0] || null : null;
    out.clickTracking = urls(c.videoClickTrackingURLTemplates);
    out.mediaFiles = (c.mediaFiles || []).map((m) => ({
      id: m.id ?? null, fileURL: m.fileURL, mimeType: m.mimeType, delivery: m.deliveryType,
      width: m.width, height: m.height, bitrate: m.bitrate, codec: m.codec ?? null,
    }));
    out.mezzanine = c.mezzanine ? {
      fileURL: c.mezzanine.fileURL, delivery: c.mezzanine.delivery ?? null, type: c.mezzanine.type ?? null,
      width: c.mezzanine.width ?? null, height: c.mezzanine.height ?? null, codec: c.mezzanine.codec ?? null,
    } : null;
    out.icons = (c.icons || []).length;
  }
  if (c.type === 'nonlinear') out.variations = (c.variations || []).length;
  if (c.type === 'companion') out.variations = (c.variations || []).length;
  const te = {};
  for (const [ev, list] of Object.entries(c.trackingEvents || {})) te[ev] = urls(list);
  out.trackingEvents = te;
  return out;
}

function summarizeAd(ad) {
  return {
    id: ad.id ?? null,
    sequence: ad.sequence ?? null,
    adType: ad.adType ?? null,
    adServingId: ad.adServingId ?? null,
    system: ad.system ? { value: ad.system.value, version: ad.system.version ?? null } : null,
    title: ad.title ?? null,
    advertiser: ad.advertiser ? ad.advertiser.value ?? ad.advertiser : null,
    categories: (ad.categories || []).map((c) => ({ authority: c.authority, value: c.value })),
    pricing: ad.pricing ?? null,
    errorURLs: urls(ad.errorURLTemplates),
    impressionURLs: urls(ad.impressionURLTemplates),
    adVerifications: (ad.adVerifications || []).length,
    extensions: (ad.extensions || []).length,
    creatives: (ad.creatives || []).map(summarizeCreative),
  };
}

function safeJson(value) {
  const seen = new WeakSet();
  return JSON.parse(JSON.stringify(value, (k, v) => {
    if (typeof v === 'function') return undefined;
    if (v && typeof v === 'object') {
      if (typeof v.nodeType === 'number') return `[DOM ${v.nodeName}]`;
      if (seen.has(v)) return '[cycle]';
      seen.add(v);
    }
    return v;
  }));
}

// Parse a VAST document already in a DOM; resolves to the summary object.
export async function summarizeVastDoc(doc, { full = false } = {}) {
  const errors = [];
  const warnings = [];
  const parser = new VASTParser();
  parser.on('VAST-error', (e) => errors.push({
    code: e.ERRORCODE ?? null, message: e.ERRORMESSAGE ?? null,
  }));
  parser.on('VAST-warning', (w) => warnings.push({
    message: w.message, parentElement: w.parentElement ?? null, specVersion: w.specVersion ?? null,
  }));
  const res = await parser.parseVAST(doc, { allowMultipleAds: true });
  const out = { ok: true, version: res.version ?? null, ads: (res.ads || []).map(summarizeAd), errorURLs: urls(res.errorURLTemplates), errors, warnings };
  if (full) out.response = safeJson(res);
  return out;
}

export async function summarizeVastString(text, opts = {}) {
  const { doc, xmlErrors } = parseXml(text);
  if (!doc || !doc.documentElement) {
    return { ok: false, error: 'not well-formed XML', xmlErrors };
  }
  try {
    const out = await summarizeVastDoc(doc, opts);
    out.xmlErrors = xmlErrors;
    return out;
  } catch (e) {
    return { ok: false, error: String(e && e.message ? e.message : e), xmlErrors };
  }
}

export function readInput(arg) {
  return readFileSync(arg === '-' ? 0 : arg, 'utf8');
}

async function main(argv) {
  const args = argv.filter((a) => a !== '--full');
  const full = args.length !== argv.length;
  if (args.length !== 1 || args[0] === '-h' || args[0] === '--help') {
    process.stderr.write('usage: vast-parse.mjs FILE|- [--full]\n');
    return 2;
  }
  let text;
  try {
    text = readInput(args[0]);
  } catch (e) {
    process.stderr.write(`vast-parse: ${e.message}\n`);
    return 2;
  }
  const out = await summarizeVastString(text, { full });
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  return out.ok ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
