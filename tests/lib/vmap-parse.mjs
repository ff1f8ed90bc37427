#!/usr/bin/env node
// Parse a VMAP document with the reference parser (@dailymotion/vmap, DOM from
// @xmldom/xmldom) and print a JSON summary on stdout:
//   { "ok": true, "version": "1.0",
//     "adBreaks": [ { "timeOffset", "breakType", "breakId", "repeatAfter",
//                     "adSource": { "id", "allowMultipleAds", "followRedirects",
//                                   "adTagURI": {templateType, uri} | null,
//                                   "vast": <vast-parse.mjs summary of the
//                                            inline VASTAdData> | null,
//                                   "customData": bool },
//                     "trackingEvents": [ {event, uri} ], "extensions": N } ],
//     "extensions": N, "xmlErrors": [...] }
// Inline VASTAdData is re-serialised and parsed with VASTParser, so its
// "errors"/"warnings" are reported exactly as vast-parse.mjs does.
//
// Usage: node tests/lib/vmap-parse.mjs FILE|-
// Exit status: 0 parsed, 1 not XML or not VMAP, 2 usage error.
// Nothing is fetched: AdTagURI is reported, never followed.
import { pathToFileURL } from 'node:url';
import xmldom from '@xmldom/xmldom';
import vmapPkg from '@dailymotion/vmap';
import { parseXml, readInput, summarizeVastString } from './vast-parse.mjs';

const { XMLSerializer } = xmldom;
const VMAP = vmapPkg && vmapPkg.default ? vmapPkg.default : vmapPkg;

async function summarizeBreak(b) {
  const src = b.adSource;
  let adSource = null;
  if (src) {
    let vast = null;
    if (src.vastAdData) {
      const xml = new XMLSerializer().serializeToString(src.vastAdData);
      vast = await summarizeVastString(xml);
    }
    adSource = {
      id: src.id ?? null,
      allowMultipleAds: src.allowMultipleAds ?? null,
      followRedirects: src.followRedirects ?? null,
      adTagURI: src.adTagURI ? { templateType: src.adTagURI.templateType ?? null, uri: src.adTagURI.uri } : null,
      vast,
      customData: !!src.customData,
    };
  }
  return {
    timeOffset: b.timeOffset ?? null,
    breakType: b.breakType ?? null,
    breakId: b.breakId ?? null,
    repeatAfter: b.repeatAfter ?? null,
    adSource,
    trackingEvents: (b.trackingEvents || []).map((t) => ({ event: t.event, uri: t.uri })),
    extensions: (b.extensions || []).length,
  };
}

export async function summarizeVmapString(text) {
  const { doc, xmlErrors } = parseXml(text);
  if (!doc || !doc.documentElement) return { ok: false, error: 'not well-formed XML', xmlErrors };
  let vmap;
  try {
    vmap = new VMAP(doc);
  } catch (e) {
    return { ok: false, error: String(e && e.message ? e.message : e), xmlErrors };
  }
  const adBreaks = [];
  for (const b of vmap.adBreaks || []) adBreaks.push(await summarizeBreak(b));
  return { ok: true, version: vmap.version ?? null, adBreaks, extensions: (vmap.extensions || []).length, xmlErrors };
}

async function main(argv) {
  if (argv.length !== 1 || argv[0] === '-h' || argv[0] === '--help') {
    process.stderr.write('usage: vmap-parse.mjs FILE|-\n');
    return 2;
  }
  let text;
  try {
    text = readInput(argv[0]);
  } catch (e) {
    process.stderr.write(`vmap-parse: ${e.message}\n`);
    return 2;
  }
  const out = await summarizeVmapString(text);
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  return out.ok ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
