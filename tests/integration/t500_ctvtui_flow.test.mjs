// t500: ctvtui end to end in tmux against the real daemon: log in, create a
// campaign with an invalid field and fix it at the field, upload a real MP4
// and watch it become active, activate the campaign, copy the VAST tag over
// OSC 52, filter and sort the list, edit, delete, resize. Every step asserts on the
// captured screen (and the API confirms what the screen claims).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startDaemon, createUser, api } from '../lib/harness.mjs';
import { Tui } from '../lib/tui.mjs';

const NAME = 'Caf\u00e9 No\u00ebl \u6771\u4eac spot';
let d;
let user;

before(async () => {
  d = await startDaemon();
  user = createUser({ email: `tui-${Date.now()}@example.com` });
});

after(async () => {
  await d.stop();
});

// The line of the screen that contains text (index), or -1.
const lineOf = (screen, re) => screen.split('\n').findIndex((l) => re.test(l));

test('ctvtui: login, create with a validation error, upload, activate, VAST, list, edit, delete, resize', async () => {
  const tui = new Tui({ server: d.adminUrl });
  try {
    // log in: no token yet, so the login form comes first
    await tui.start({ waitFor: /Log in to adserverd/ });
    tui.type(user.email);
    tui.keys('Enter');
    tui.type('password123');
    tui.keys('Enter');
    let s = await tui.waitFor(/Dashboard[\s\S]*Campaigns\s+0 total/);
    assert.match(s, new RegExp(`logged in as ${user.email}`));
    const st = fs.statSync(tui.tokenFile());
    assert.equal(st.mode & 0o777, 0o600, 'token file shared with ctvctl is 0600');
    assert.match(fs.readFileSync(tui.tokenFile(), 'utf8'), /"accessToken"/);

    // create: an invalid budget gets the API's message right under the field
    tui.keys('n');
    await tui.waitFor(/New campaign[\s\S]*Budget/);
    tui.type(NAME);
    tui.keys('Tab', 'Tab');
    tui.type('0.5');
    tui.keys('C-s');
    s = await tui.waitFor(/Budget must be at least \$1/);
    const budgetLine = lineOf(s, /Budget \(\$\)/);
    assert.ok(budgetLine > 0, s);
    assert.equal(lineOf(s, /! Budget must be at least \$1/), budgetLine + 1, `message not at the field:\n${s}`);
    assert.match(s, /error: the server refused the campaign/);
    let list = await api('GET', `${d.adminUrl}/api/v1/campaigns`, { token: user.token });
    assert.equal(list.json.total, 0, 'nothing was created by the invalid form');

    // fix it: the cursor is on the budget; then the CPM rate (4 fields down)
    tui.keys('C-u');
    tui.type('5000');
    tui.keys('Tab', 'Tab', 'Tab', 'Tab');
    tui.type('12.5');
    tui.keys('C-s');
    s = await tui.waitFor((scr) => scr.includes(`Campaign: ${NAME}`) && /Budget used/.test(scr));
    assert.match(s, /Campaign created successfully/);
    assert.ok(s.includes(`Name         ${NAME}`), `UTF-8 name in its field:\n${s}`);
    assert.match(s, /Status\s+draft\s+pricing cpm \$12\.50/);
    assert.match(s, /\$0\.00 of \$5,000\.00/);
    assert.doesNotMatch(s, /Budget must be/);
    list = await api('GET', `${d.adminUrl}/api/v1/campaigns`, { token: user.token });
    assert.equal(list.json.total, 1);
    const c = list.json.campaigns[0];
    assert.equal(c.name, NAME, 'the name reached the API intact');
    assert.equal(c.budget_total, '5000.00');
    assert.equal(c.cpm_rate, '12.50');

    // upload a real MP4 with path completion, then watch processing
    tui.keys('u');
    await tui.waitFor(/Upload a creative \(MP4/);
    tui.type('tests/fixtures/media/ctv-d');
    tui.keys('Tab');
    await tui.waitFor(/File\s+> tests\/fixtures\/media\/ctv-demo-15s-1280x720\.mp4/);
    tui.keys('Enter');
    await tui.waitFor(/Name\s+> ctv-demo-15s-1280x720/); // suggested from the file name
    tui.keys('C-s');
    s = await tui.waitFor(/creative status: active/, { timeout: 30000 });
    assert.match(s, /100\.0%\s+154kB\/154kB/);
    await tui.waitFor(/mp4 avc1\.[0-9A-Fa-f]+\/mp4a[^,]*, 15\.0 s/); // what processing measured
    let cr = await api('GET', `${d.adminUrl}/api/v1/campaigns/${c.id}/creatives`, { token: user.token });
    assert.equal(cr.json.creatives.length, 1);
    assert.equal(cr.json.creatives[0].status, 'active');
    assert.equal(cr.json.creatives[0].name, 'ctv-demo-15s-1280x720');

    // back on the campaign, the creative is listed as active
    tui.keys('Escape');
    s = await tui.waitFor(/Creatives \(1\)[\s\S]*ctv-demo-15s-1280x720\s+active\s+15s 1280x720/);
    // under it, its rendition ladder as the view polls it: every rung ready, measured
    s = await tui.waitFor(/renditions: 360p 640x360 \d+k  480p 852x480 \d+k  720p 1280x720 \d+k/, { timeout: 180000 });

    // activate, with a confirmation
    tui.keys('a');
    s = await tui.waitFor(/Activate campaign 'Caf/);
    assert.match(s, /y: yes/);
    tui.keys('y');
    s = await tui.waitFor(/Campaign status updated to active/);
    await tui.waitFor(/Status\s+active\s+pricing/);
    const got = await api('GET', `${d.adminUrl}/api/v1/campaigns/${c.id}`, { token: user.token });
    assert.equal(got.json.campaign.status, 'active');

    // the VAST tag: y shows it and copies it through OSC 52 (tmux keeps it as a buffer)
    s = await tui.waitFor(/VAST tag\s+http/);
    tui.keys('y');
    s = await tui.waitFor(/VAST tag \(copied to the clipboard via OSC 52\)/);
    const tag = (await api('GET', `${d.adminUrl}/api/v1/campaigns/${c.id}/vast-tag`, { token: user.token })).json.vast;
    assert.ok(tag.includes(c.id));
    const deadline = Date.now() + 5000;
    while (tui.clipboard() !== tag && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.equal(tui.clipboard(), tag, 'OSC 52 put the exact VAST tag on the clipboard');
    tui.keys('x'); // any key closes the popup
    await tui.waitFor((scr) => !/copied to the clipboard/.test(scr));

    // the list: the row, its budget bar, the filters
    tui.keys('2');
    s = await tui.waitFor(/Campaigns[\s\S]*1 of 1/);
    assert.ok(s.includes('Caf\u00e9 No\u00ebl'), s);
    assert.match(s, /active\s+\$5,000\.00\s+\$0\.00/);
    tui.keys('/');
    tui.type('zzz');
    s = await tui.waitFor(/0 of 1[\s\S]*No campaigns match/);
    tui.keys('Escape');
    await tui.waitFor(/1 of 1/);
    tui.keys('/');
    tui.type('CAF');
    tui.keys('Enter');
    s = await tui.waitFor(/1 of 1\s+status: all\s+filter: CAF/);
    tui.keys('Escape'); // Enter left the filter mode, so Escape goes back: the dashboard
    await tui.waitFor(/Dashboard[\s\S]*Campaigns\s+1 total/);
    tui.keys('r'); // reload: the activation shows in the KPIs
    s = await tui.waitFor(/Dashboard[\s\S]*1 total: 1 active/);
    assert.ok(s.includes(NAME), s);
    tui.keys('2', 'f');
    // The list reloads when shown again: the filter line says "draft" while
    // it still loads ("0 of 0"), so wait for the loaded count itself.
    s = await tui.waitFor(/0 of 1\s+status: draft/);
    tui.keys('f');
    s = await tui.waitFor(/1 of 1\s+status: active/);
    tui.keys('s');
    s = await tui.waitFor(/sorted by Status/);
    assert.match(s, /Status▲/);

    // edit from the list: a non-number budget, the message at the field, fixed
    tui.keys('e');
    await tui.waitFor(/Edit campaign \(only changed fields are sent\)/);
    tui.keys('Tab', 'Tab', 'C-u');
    tui.type('abc');
    tui.keys('C-s');
    s = await tui.waitFor(/! "budget_total" must be a number/);
    assert.equal(lineOf(s, /! "budget_total" must be a number/), lineOf(s, /Budget \(\$\)/) + 1);
    tui.keys('C-u');
    tui.type('6000');
    tui.keys('C-s');
    s = await tui.waitFor(/Campaign updated successfully/);
    await tui.waitFor(/active\s+\$6,000\.00\s+\$0\.00/);

    // delete asks first; n cancels, y does it (the API's soft delete: completed)
    tui.keys('d');
    s = await tui.waitFor(/Delete campaign 'Caf[^']*'\? \(soft delete: it is marked/);
    assert.match(s, /│ completed\)/, 'the question wraps at a space');
    tui.keys('n');
    await tui.waitFor(/cancelled/);
    assert.equal((await api('GET', `${d.adminUrl}/api/v1/campaigns/${c.id}`, { token: user.token })).json.campaign.status, 'active');
    tui.keys('d');
    await tui.waitFor(/Delete campaign/);
    tui.keys('y');
    await tui.waitFor(/Campaign marked as completed/);
    await tui.waitFor(/0 of 1\s+status: active/); // it left the "active" filter
    tui.keys('f', 'f');
    await tui.waitFor(/1 of 1\s+status: completed/);
    const after = await api('GET', `${d.adminUrl}/api/v1/campaigns/${c.id}`, { token: user.token });
    assert.equal(after.json.campaign.status, 'completed');
    assert.equal(after.json.campaign.budget_total, '6000.00');

    // resize: bigger redraws to the new size, too small shows the notice, back again
    tui.resize(120, 40);
    s = await tui.waitFor((scr) => scr.split('\n').length >= 40 && /Ends/.test(scr));
    let lines = s.split('\n');
    assert.match(lines[39], /\? help/, 'key bar on the last line of 40');
    assert.match(lines[0], new RegExp(`${d.adminUrl.replace(/[.]/g, '\\.')}\\s*$`), 'server right-aligned at 120 columns');
    tui.resize(50, 12);
    await tui.waitFor(/terminal too small: 50x12/);
    tui.keys('j'); // keys still work while too small
    tui.resize(80, 24);
    s = await tui.waitFor((scr) => /1 of 1/.test(scr) && !/too small/.test(scr));
    lines = s.split('\n');
    assert.match(lines[23], /\? help/);
    assert.doesNotMatch(s, /Ends/, 'the Ends column needs 100 columns');
  } finally {
    await tui.stop();
  }
});

test('ctvtui: NO_COLOR and TERM=dumb are monochrome, a 256-colour terminal is not', async () => {
  // An SGR sequence that sets a colour (39/49, "default colour", do not count).
  const hasColour = (text) => [...text.matchAll(/\x1b\[([0-9;]*)m/g)].some((m) => m[1].split(';')
    .some((p, i, a) => /^(3[0-7]|4[0-7]|9[0-7]|10[0-7])$/.test(p) || ((p === '38' || p === '48') && a[i + 1] === '5')));
  const colour = new Tui({ server: d.adminUrl });
  try {
    await colour.start({ waitFor: /Log in to adserverd/ });
    const s = colour.screen({ escapes: true });
    assert.match(s, /\x1b\[[0-9;]*(38|48);5;\d+/, 'tmux-256color gets 256-colour roles');
    assert.ok(hasColour(s));
  } finally {
    await colour.stop({ quitKeys: ['C-c'] });
  }
  for (const env of [{ NO_COLOR: '1' }, { TERM: 'dumb' }]) {
    const mono = new Tui({ server: d.adminUrl, env });
    try {
      await mono.start({ waitFor: /Log in to adserverd/ });
      const s = mono.screen({ escapes: true });
      assert.ok(!hasColour(s), `no colours with ${JSON.stringify(env)}:\n${s}`);
      assert.match(s, /\x1b\[[0-9;]*7m/, 'reverse video marks the title instead');
    } finally {
      await mono.stop({ quitKeys: ['C-c'] });
    }
  }
});
