// The programs' command lines and their documentation: --help/--version,
// check-config, usage errors, every setting documented in adserverd(8),
// and `make install` into a DESTDIR.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../lib/harness.mjs';

const bin = process.env.ADSERVERD_BIN;
const run = (file, args, env = {}) => spawnSync(file, args, { encoding: 'utf8', env: { PATH: process.env.PATH, ...env } });

test('adserverd --version and --help', () => {
  const v = run(bin, ['--version']);
  assert.equal(v.status, 0);
  assert.match(v.stdout, /^adserverd \d+\.\d+\.\d+\n$/);
  const h = run(bin, ['--help']);
  assert.equal(h.status, 0);
  assert.match(h.stdout, /migrate/);
  assert.match(h.stdout, /--database-url\s+DATABASE_URL/);
});

test('commands: --help lists the command table, the man page and bash completion follow it', () => {
  const h = run(bin, ['--help']).stdout;
  const section = h.slice(h.indexOf('commands:\n'), h.indexOf('\n\noptions:'));
  const cmds = [...section.matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((m) => m[1]);
  assert.deepEqual(cmds, ['serve', 'migrate', 'seed-demo', 'check-config', 'unwrap']);
  const man = fs.readFileSync(path.join(ROOT, 'man/adserverd.8'), 'utf8');
  for (const c of cmds) assert.match(man, new RegExp(`^\\.B[R]? ${c}\\b`, 'm'), `man page lacks ${c}`);
  // The completion reads the same --help: run it with this build first on PATH.
  const comp = spawnSync('bash', ['-c', 'source completions/adserverd.bash; COMP_WORDS=(adserverd "$1"); ' +
    'COMP_CWORD=1; _adserverd; echo "${COMPREPLY[*]}"', 'x', ''], {
    encoding: 'utf8', cwd: ROOT, env: { PATH: `${path.dirname(bin)}:${process.env.PATH}` },
  });
  assert.equal(comp.status, 0, comp.stderr);
  assert.deepEqual(comp.stdout.trim().split(' '), cmds);
  // Usage errors: an unknown command, an argument to a command that takes none.
  const unknown = run(bin, ['frobnicate'], { DATABASE_URL: 'postgres://h/db', JWT_SECRET: 's' });
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown command frobnicate/);
  const extra = run(bin, ['migrate', 'now'], { DATABASE_URL: 'postgres://h/db', JWT_SECRET: 's' });
  assert.equal(extra.status, 2);
  assert.match(extra.stderr, /migrate takes no argument/);
});

test('every setting of --help is documented in man/adserverd.8 with its variable', () => {
  const man = fs.readFileSync(path.join(ROOT, 'man/adserverd.8'), 'utf8');
  const h = run(bin, ['--help']).stdout;
  const rows = [...h.matchAll(/^\s+--([a-z0-9-]+)\s+([A-Z0-9_]+)\s/gm)];
  assert.ok(rows.length > 25, `found ${rows.length} settings`);
  for (const [, flag, env] of rows) {
    const key = flag.replace(/-/g, '_');
    assert.ok(man.includes(`.BR ${key} (`) || man.includes(`.BR ${key} "`), `man page lacks ${key}`);
    assert.ok(man.includes(env), `man page lacks ${env}`);
  }
});

test('check-config: prints settings with secrets hidden, exit 0; missing secret exit 1', () => {
  const ok = run(bin, ['check-config'], { DATABASE_URL: 'postgres://u:topsecret@h/db', JWT_SECRET: 'very-secret-value' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /^port = 3000$/m);
  assert.match(ok.stdout, /^jwt_secret = \(set\)$/m);
  assert.ok(!ok.stdout.includes('very-secret-value'));
  assert.ok(!ok.stdout.includes('topsecret'));
  assert.match(ok.stdout, /configuration ok/);
  const bad = run(bin, ['--check-config'], { DATABASE_URL: 'postgres://h/db' });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /JWT_SECRET is required/);
});

test('precedence: flag over environment over file over default', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
  const file = path.join(dir, 'adserverd.conf');
  fs.writeFileSync(file, '# test\nport = 4001\nad_port = 4002\nlog_level = warn\n');
  const env = { DATABASE_URL: 'postgres://h/db', JWT_SECRET: 's' };
  const fromFile = run(bin, ['-c', file, 'check-config'], env).stdout;
  assert.match(fromFile, /^port = 4001$/m);
  assert.match(fromFile, /^ad_port = 4002$/m);
  const fromEnv = run(bin, ['-c', file, 'check-config'], { ...env, PORT: '4003' }).stdout;
  assert.match(fromEnv, /^port = 4003$/m);
  const fromFlag = run(bin, ['-c', file, '--port', '4004', 'check-config'], { ...env, PORT: '4003' }).stdout;
  assert.match(fromFlag, /^port = 4004$/m);
  const badKey = run(bin, ['-c', file, 'check-config'], env);
  assert.equal(badKey.status, 0);
  fs.appendFileSync(file, 'no_such_key = 1\n');
  const unknown = run(bin, ['-c', file, 'check-config'], env);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown key no_such_key/);
});

test('usage errors exit 2 with a message', () => {
  for (const args of [['--no-such-flag'], ['frobnicate'], ['--port']]) {
    const r = run(bin, args, { DATABASE_URL: 'postgres://h/db', JWT_SECRET: 's' });
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, /adserverd: /);
  }
  const badPort = run(bin, ['check-config', '--port', 'x'], { DATABASE_URL: 'postgres://h/db', JWT_SECRET: 's' });
  assert.equal(badPort.status, 2);
});

test('ctvctl and ctvtui answer --version and --help', () => {
  for (const b of [process.env.CTVCTL_BIN, process.env.CTVTUI_BIN]) {
    const v = run(b, ['--version']);
    assert.equal(v.status, 0);
    assert.match(v.stdout, /^ctv(ctl|tui) \d+\.\d+\.\d+\n$/);
    assert.equal(run(b, ['--help']).status, 0);
    assert.equal(run(b, ['--bogus']).status, 2);
  }
});

test('make install puts binaries, man pages, completions and the unit under DESTDIR', () => {
  const dest = fs.mkdtempSync(path.join(os.tmpdir(), 'inst-'));
  const r = spawnSync('make', ['--no-print-directory', 'install', `DESTDIR=${dest}`, 'PREFIX=/usr'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  for (const f of ['usr/bin/adserverd', 'usr/bin/ctvctl', 'usr/bin/ctvtui', 'usr/share/man/man8/adserverd.8',
    'usr/share/man/man1/ctvctl.1', 'usr/share/man/man1/ctvtui.1', 'usr/share/bash-completion/completions/ctvctl',
    'usr/share/zsh/site-functions/_ctvctl', 'usr/share/fish/vendor_completions.d/ctvctl.fish', 'usr/lib/systemd/system/adserverd.service']) {
    assert.ok(fs.existsSync(path.join(dest, f)), f);
  }
  const unit = fs.readFileSync(path.join(dest, 'usr/lib/systemd/system/adserverd.service'), 'utf8');
  assert.match(unit, /ExecStart=\/usr\/bin\/adserverd/);
  assert.equal(run(path.join(dest, 'usr/bin/adserverd'), ['--version']).status, 0);
  fs.rmSync(dest, { recursive: true, force: true });
});
