// ctvctl's documentation against its one option table: every command and
// option of `ctvctl --list-commands` / `--list-options` is in ctvctl(1) and
// in the bash, zsh and fish completions; every exit code is in the man page;
// the bash and fish completions really complete commands, options and ids
// asked from a live server; the README's example script runs as written.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { startDaemon, api, createUser, ROOT } from '../lib/harness.mjs';
import { BIN, ctl, ctlEnv, login } from '../lib/ctvctl.mjs';

const read = (f) => fs.readFileSync(path.join(ROOT, f), 'utf8');
const MAN = read('man/ctvctl.1');
const BASH = read('completions/ctvctl.bash');
const ZSH = read('completions/_ctvctl');
const FISH = read('completions/ctvctl.fish');
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

let commands;
let options;
let d;
before(async () => {
  const env = ctlEnv(undefined);
  commands = (await ctl(['--list-commands'], { env })).stdout.trim().split('\n').map((l) => l.split(' '));
  options = (await ctl(['--list-options'], { env })).stdout.trim().split('\n').map((l) => l.split(' '));
  d = await startDaemon();
});
after(async () => { await d.stop(); });

test('the tables are complete: 15 commands, every option listed once', () => {
  const nouns = new Set(commands.map(([n]) => n));
  assert.equal(nouns.size, 15);
  assert.ok(commands.length >= 30, `${commands.length} commands`);
  const longs = options.map(([l]) => l);
  assert.equal(new Set(longs).size, longs.length);
  assert.ok(longs.length >= 50, `${longs.length} options`);
});

test('every command, option and exit code is in ctvctl(1)', () => {
  const man = MAN.replace(/\\-/g, '-').replace(/\\f[BIRP]/g, '');
  for (const [noun, verb] of commands) {
    assert.match(man, new RegExp(`^\\.B ${noun}( |$)`, 'm'), `man lacks ${noun}`);
    if (verb) {
      const ok = man.includes(`${noun} ${verb}`) || (['get', 'set'].includes(verb) && man.includes(`${noun} get|set`));
      assert.ok(ok, `man lacks ${noun} ${verb}`);
    }
  }
  for (const [long, short] of options) {
    assert.ok(man.includes(long), `man lacks ${long}`);
    if (short) assert.ok(man.includes(`${short}, ${long}`) || man.includes(`${short} ,`) || man.includes(`B ${short}`) || man.includes(`BR ${short} "`), `man lacks ${short} for ${long}`);
  }
  for (let code = 0; code <= 10; code++) assert.match(man, new RegExp(`^\\.TP\\n\\.B ${code}\\n`, 'm'), `exit ${code}`);
  for (const v of ['CTVCTL_SERVER', 'CTVCTL_TOKEN', 'CTVCTL_TIMEOUT', 'XDG_CONFIG_HOME', 'NO_COLOR']) assert.ok(man.includes(v), v);
  const r = spawnSync('man', ['--warnings', '-l', path.join(ROOT, 'man/ctvctl.1')], { encoding: 'utf8', env: { ...process.env, MANWIDTH: '80', MANPAGER: 'cat', PAGER: 'cat' } });
  assert.equal(r.status, 0);
  assert.equal(r.stderr, '', 'man page renders without warnings');
});

test('every command and option is in the bash, zsh and fish completions', () => {
  for (const [noun, verb] of commands) {
    for (const [name, text] of [['bash', BASH], ['zsh', ZSH], ['fish', FISH]]) {
      assert.match(text, new RegExp(`\\b${noun}\\b`), `${name} lacks ${noun}`);
      if (verb) assert.match(text, new RegExp(`\\b${verb}\\b`), `${name} lacks ${noun} ${verb}`);
    }
  }
  for (const [long, short] of options) {
    if (long === '--help' || long === '--version') continue;
    assert.ok(BASH.includes(long), `bash lacks ${long}`);
    assert.ok(ZSH.includes(long), `zsh lacks ${long}`);
    assert.ok(FISH.includes(`-l ${long.slice(2)}`), `fish lacks ${long}`);
    if (short) assert.ok(BASH.includes(short), `bash lacks ${short}`);
  }
  assert.equal(spawnSync('bash', ['-n', path.join(ROOT, 'completions/ctvctl.bash')]).status, 0);
});

test('zsh and fish completion files parse', (t) => {
  if (!has('zsh') || !has('fish')) { t.skip('zsh or fish is not installed (scripts/deps.sh installs both)'); return; }
  assert.equal(spawnSync('zsh', ['-n', path.join(ROOT, 'completions/_ctvctl')]).status, 0);
  assert.equal(spawnSync('fish', ['-n', path.join(ROOT, 'completions/ctvctl.fish')]).status, 0);
});

// PATH with the ctvctl under test first, as an installed ctvctl would be.
const withBin = (env) => ({ ...env, PATH: `${path.dirname(BIN)}:${process.env.PATH}`, ASAN_OPTIONS: 'detect_leaks=0' });

test('bash completion: commands, verbs, options and campaign/creative ids from the server', async () => {
  const u = createUser();
  const env = ctlEnv(d.adminUrl);
  await login(env, u.email);
  const camp = (await ctl(['-q', 'campaigns', 'create', '--name', 'Completion', '--budget', '10', '--start-date', '2026-01-01', '--end-date', '2026-02-01', '--pricing-model', 'flat'], { env })).stdout.trim();
  const cr = (await ctl(['-q', 'creatives', 'upload', camp, path.join(ROOT, 'tests/fixtures/media/h264-aac-15s-320x180.mp4')], { env })).stdout.trim();
  const complete = (words) => {
    const script = `source ${JSON.stringify(path.join(ROOT, 'completions/ctvctl.bash'))}
COMP_WORDS=(${words.map((w) => JSON.stringify(w)).join(' ')}); COMP_CWORD=${words.length - 1}
_ctvctl; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const r = spawnSync('bash', ['-c', script], { encoding: 'utf8', env: withBin(env) });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim().split('\n').filter(Boolean);
  };
  assert.deepEqual(complete(['ctvctl', 'cam']), ['campaigns']);
  assert.ok(complete(['ctvctl', 'campaigns', '']).includes('create'));
  assert.deepEqual(complete(['ctvctl', 'campaigns', 'create', '--cpm']), ['--cpm-rate']);
  assert.deepEqual(complete(['ctvctl', 'campaigns', 'get', '']), [camp]);
  assert.deepEqual(complete(['ctvctl', 'campaigns', 'status', camp, 'pa']), ['paused']);
  assert.deepEqual(complete(['ctvctl', 'creatives', 'get', '']), [cr]);
  assert.deepEqual(complete(['ctvctl', 'tag', '']), [camp]);
  assert.deepEqual(complete(['ctvctl', 'pacing', 'set', camp, '--mode', '']), ['even', 'asap']);
  assert.deepEqual(complete(['ctvctl', '--server', d.adminUrl, 'caps', 'get', '']), [camp]);
});

test('fish completion: ids from the server', async (t) => {
  if (!has('fish')) { t.skip('fish is not installed (scripts/deps.sh installs it)'); return; }
  const u = createUser();
  const env = ctlEnv(d.adminUrl);
  await login(env, u.email);
  const camp = (await ctl(['-q', 'campaigns', 'create', '--name', 'Fish', '--budget', '10', '--start-date', '2026-01-01', '--end-date', '2026-02-01', '--pricing-model', 'flat'], { env })).stdout.trim();
  const run = (line) => spawnSync('fish', ['--no-config', '-c', `source ${path.join(ROOT, 'completions/ctvctl.fish')}; complete -C '${line}'`], { encoding: 'utf8', env: withBin(env) }).stdout;
  assert.match(run('ctvctl camp'), /^campaigns\tmanage campaigns$/m);
  assert.match(run('ctvctl campaigns get '), new RegExp(`^${camp}$`, 'm'));
  assert.match(run('ctvctl caps set x --per'), /--per-day/);
});

test('the README example script runs as written', async () => {
  const readme = read('README');
  const m = /^ {2}# --- begin example: publish a campaign ---\n([\s\S]*?)^ {2}# --- end example ---$/m.exec(readme);
  assert.ok(m, 'README example not found');
  const script = m[1].split('\n').map((l) => l.replace(/^ {2}/, '')).join('\n');
  const u = createUser();
  const env = ctlEnv(d.adminUrl);
  const dir = fs.mkdtempSync(path.join(env.HOME, 'work-'));
  fs.writeFileSync(path.join(dir, 'publish.sh'), script, { mode: 0o755 });
  fs.copyFileSync(path.join(ROOT, 'tests/fixtures/media/ctv-demo-15s-1280x720.mp4'), path.join(dir, 'spot.mp4'));
  const r = spawnSync('sh', ['publish.sh'], { cwd: dir, encoding: 'utf8', timeout: 120000,
    env: { ...withBin(env), EMAIL: u.email, PASSWORD: 'password123' } });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(!/Sanitizer|runtime error/.test(r.stderr), r.stderr);
  const url = r.stdout.trim();
  const id = /[?&]campaign_id=([0-9a-f-]{36})/.exec(url)[1];
  assert.match(url, /^http:\/\/[^/]+\/vast\?campaign_id=/);
  const c = (await api('GET', `${d.adminUrl}/api/v1/campaigns/${id}`, { token: u.token })).json.campaign;
  assert.equal(c.status, 'active');
  assert.equal(c.name, 'Spring launch');
  const cr = (await api('GET', `${d.adminUrl}/api/v1/campaigns/${id}/creatives`, { token: u.token })).json.creatives;
  assert.equal(cr.length, 1);
  assert.equal(cr[0].status, 'active');
  const tag = (await api('GET', `${d.adminUrl}/api/v1/campaigns/${id}/vast-tag`, { token: u.token })).json;
  assert.equal(url, tag.vast);
});
