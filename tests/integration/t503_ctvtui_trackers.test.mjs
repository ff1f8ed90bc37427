// t503: ctvtui's campaign view shows the third-party trackers the campaign
// adds to every creative, as counts per kind, and "none" when it has none;
// the counts follow a change made through the API after `r` reloads.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, createUser, api } from '../lib/harness.mjs';
import { makeCampaign, cleanupOwner } from '../lib/serving.mjs';
import { Tui } from '../lib/tui.mjs';

let d;
let user;
let camp;

before(async () => {
  d = await startDaemon();
  user = createUser();
  camp = makeCampaign(user.id, { name: 'Tracked brand', status: 'draft' });
});
after(async () => {
  cleanupOwner(user.id);
  await d.stop();
});

test('ctvtui: the campaign view counts the campaign\'s third-party trackers', async () => {
  const tui = new Tui({ server: d.adminUrl, env: { CTVCTL_TOKEN: user.token } });
  try {
    await tui.start({ waitFor: /Dashboard/ });
    tui.keys('2');
    await tui.waitFor(/Tracked brand/);
    tui.keys('Enter');
    let s = await tui.waitFor(/Trackers\s+none/);
    assert.match(s, /Campaign/);
    const r = await api('PUT', `${d.adminUrl}/api/v1/campaigns/${camp.id}/trackers`, { token: user.token,
      body: { impression: ['https://a.example/i', 'https://b.example/i'], click: ['https://a.example/c'],
        events: { start: ['https://a.example/s'], complete: ['https://a.example/c1', 'https://a.example/c2'] } } });
    assert.equal(r.status, 200, r.text);
    tui.keys('r');
    s = await tui.waitFor(/Trackers\s+2 impression, 1 click, 0 error, 3 event URLs/);
  } finally {
    await tui.stop();
  }
});
