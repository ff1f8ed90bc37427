// A third-party ad server for the tests, on 127.0.0.1 only: it answers VAST
// tags the way real demand does and the ways it fails. Paths:
//   /inline            an InLine (VAST 3.0, 20.5 s, MP4, trackers, an OMID
//                      verification in the Extension form)
//   /wrap/N            a Wrapper whose VASTAdTagURI is /wrap/N-1 (/wrap/1:
//                      /inline), so /wrap/N is a chain of N wrappers + 1 InLine
//   /loop/a, /loop/b   wrappers pointing at each other
//   /slow?ms=M         an InLine after M ms
//   /status/C          HTTP status C
//   /malformed         not well-formed XML
//   /empty             a VAST without an ad
//   /nomedia           an InLine without a playable MediaFile
//   /huge              an InLine padded past 1 MiB
//   /entities          a "billion laughs" entity bomb
//   /redirect?to=P     302 to path P
// Every wrapper N carries Impression https://wN.example/imp, Error
// https://wN.example/err?c=[ERRORCODE], a start tracker and a
// ClickTracking; hits counts requests per path.
import http from 'node:http';

const inline = (extra = '') => `<?xml version="1.0" encoding="UTF-8"?>
<VAST version="3.0"><Ad id="tp-inline"><InLine><AdSystem>ThirdParty</AdSystem><AdTitle>Brand Spot</AdTitle>
<Error><![CDATA[https://inline.example/err?c=[ERRORCODE]]]></Error>
<Impression><![CDATA[https://inline.example/imp?cb=[CACHEBUSTING]]]></Impression>
<Creatives><Creative><Linear><Duration>00:00:20.500</Duration>
<TrackingEvents><Tracking event="start"><![CDATA[https://inline.example/start]]></Tracking>
<Tracking event="complete"><![CDATA[https://inline.example/complete]]></Tracking></TrackingEvents>
<VideoClicks><ClickThrough><![CDATA[https://brand.example/landing]]></ClickThrough>
<ClickTracking><![CDATA[https://inline.example/click]]></ClickTracking></VideoClicks>
<MediaFiles><MediaFile delivery="progressive" type="video/mp4" width="1920" height="1080" bitrate="4500"><![CDATA[https://cdn.thirdparty.example/spot.mp4]]></MediaFile></MediaFiles>
</Linear></Creative></Creatives>
<Extensions><Extension type="AdVerifications"><AdVerifications><Verification vendor="ias.com-omid">
<JavaScriptResource apiFramework="omid" browserOptional="true"><![CDATA[https://static.ias.example/omid.js]]></JavaScriptResource>
<TrackingEvents><Tracking event="verificationNotExecuted"><![CDATA[https://ias.example/ne?r=[REASON]]]></Tracking></TrackingEvents>
<VerificationParameters><![CDATA[{"p":1}]]></VerificationParameters></Verification></AdVerifications></Extension></Extensions>
${extra}</InLine></Ad></VAST>`;

const wrapper = (n, next) => `<?xml version="1.0" encoding="UTF-8"?>
<VAST version="4.2" xmlns="http://www.iab.com/VAST"><Ad id="w${n}"><Wrapper><AdSystem>W${n}</AdSystem>
<Error><![CDATA[https://w${n}.example/err?c=[ERRORCODE]]]></Error>
<Impression><![CDATA[https://w${n}.example/imp]]></Impression>
<VASTAdTagURI><![CDATA[${next}]]></VASTAdTagURI>
<Creatives><Creative><Linear><TrackingEvents><Tracking event="start"><![CDATA[https://w${n}.example/start]]></Tracking></TrackingEvents>
<VideoClicks><ClickTracking><![CDATA[https://w${n}.example/click]]></ClickTracking></VideoClicks></Linear></Creative></Creatives>
</Wrapper></Ad></VAST>`;

export async function startThirdParty() {
  const hits = {};
  const timers = new Set();
  const server = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://x');
    const base = `http://127.0.0.1:${server.address().port}`;
    hits[u.pathname] = (hits[u.pathname] || 0) + 1;
    const xml = (body, status = 200) => {
      res.writeHead(status, { 'Content-Type': 'application/xml' });
      res.end(body);
    };
    let m;
    if (u.pathname === '/inline') return xml(inline());
    if ((m = u.pathname.match(/^\/wrap\/(\d+)$/))) {
      const n = Number(m[1]);
      return xml(wrapper(n, n <= 1 ? `${base}/inline` : `${base}/wrap/${n - 1}`));
    }
    if (u.pathname === '/loop/a') return xml(wrapper(1, `${base}/loop/b`));
    if (u.pathname === '/loop/b') return xml(wrapper(2, `${base}/loop/a`));
    if (u.pathname === '/slow') {
      const t = setTimeout(() => { timers.delete(t); xml(inline()); }, Number(u.searchParams.get('ms') || 1000));
      timers.add(t);
      return undefined;
    }
    if ((m = u.pathname.match(/^\/status\/(\d+)$/))) return xml('<error/>', Number(m[1]));
    if (u.pathname === '/malformed') return xml('<VAST version="4.2"><Ad><InLine><AdSystem>x</Ad>');
    if (u.pathname === '/empty') return xml('<VAST version="4.2" xmlns="http://www.iab.com/VAST"/>');
    if (u.pathname === '/nomedia') return xml(inline().replace(/<MediaFiles>.*<\/MediaFiles>/s, ''));
    if (u.pathname === '/huge') return xml(inline(`<!-- ${'x'.repeat(1100 * 1024)} -->`));
    if (u.pathname === '/entities') {
      let ents = '<!ENTITY a0 "lollollollollol">';
      for (let i = 1; i < 10; i++) ents += `<!ENTITY a${i} "${`&a${i - 1};`.repeat(10)}">`;
      return xml(`<?xml version="1.0"?><!DOCTYPE VAST [${ents}]><VAST version="3.0"><Ad><InLine><AdTitle>&a9;</AdTitle></InLine></Ad></VAST>`);
    }
    if (u.pathname === '/redirect') {
      res.writeHead(302, { Location: `${base}${u.searchParams.get('to')}` });
      return res.end();
    }
    res.writeHead(404);
    return res.end();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = (p) => `http://127.0.0.1:${server.address().port}${p}`;
  const stop = () => new Promise((r) => {
    for (const t of timers) clearTimeout(t);
    server.closeAllConnections?.();
    server.close(() => r());
  });
  return { url, hits, stop };
}
