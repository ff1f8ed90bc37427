// tests/lib/tui.mjs: drive ctvtui inside a private tmux server.
//
// Each Tui gets its own tmux socket (tmux -L <unique>), so tests never touch
// a user's tmux or each other's, and stop() kills only that server. ctvtui
// (the ASan+UBSan build named by CTVTUI_BIN) runs in a fresh
// XDG_CONFIG_HOME so the token file is the test's own; sanitizer reports go
// to files (ASAN_OPTIONS log_path) because the pane belongs to curses, and
// stop() fails on any of them and on a non-zero exit status.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class Tui {
  // opts: { server, args: [], env: {}, cols: 80, lines: 24, config: string (config file text) }
  constructor(opts = {}) {
    this.socket = `ctvtui-test-${process.pid}-${randomUUID().slice(0, 8)}`;
    this.dir = fs.mkdtempSync(path.join(process.env.VAR || os.tmpdir(), 'tui-'));
    this.cfgHome = path.join(this.dir, 'config');
    fs.mkdirSync(path.join(this.cfgHome, 'ctvctl'), { recursive: true, mode: 0o700 });
    if (opts.config) fs.writeFileSync(path.join(this.cfgHome, 'ctvctl', 'config'), opts.config);
    this.opts = { cols: 80, lines: 24, args: [], env: {}, ...opts };
    this.exitFile = path.join(this.dir, 'exit');
    this.asanPrefix = path.join(this.dir, 'asan');
  }

  tmux(...args) {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }

  // Start ctvtui; resolves with the screen once it matches waitFor.
  async start({ waitFor = /ctvtui/ } = {}) {
    const bin = process.env.CTVTUI_BIN;
    assert.ok(bin && fs.existsSync(bin), `CTVTUI_BIN not found: ${bin}`);
    const conf = path.join(this.dir, 'tmux.conf');
    fs.writeFileSync(conf, [
      'set -g default-terminal tmux-256color',
      'set -g set-clipboard on',
      'set -g status off',
      'set -g escape-time 10',
      '',
    ].join('\n'));
    const env = {
      XDG_CONFIG_HOME: this.cfgHome,
      HOME: this.dir,
      LANG: 'C.UTF-8',
      LC_ALL: 'C.UTF-8',
      ASAN_OPTIONS: `detect_leaks=1:log_path=${this.asanPrefix}`,
      UBSAN_OPTIONS: `print_stacktrace=1:halt_on_error=1:log_path=${this.asanPrefix}`,
      ...this.opts.env,
    };
    const args = [...(this.opts.server ? ['--server', this.opts.server] : []), ...this.opts.args];
    const q = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;
    const exports = Object.entries(env).map(([k, v]) => (v === undefined ? `unset ${k}` : `export ${k}=${q(v)}`)).join('; ');
    const cmd = `${exports}; cd ${q(process.env.ROOT || process.cwd())}; ${q(bin)} ${args.map(q).join(' ')}; echo $? > ${q(this.exitFile)}; sleep 600`;
    this.tmux('-f', conf, 'new-session', '-d', '-x', String(this.opts.cols), '-y', String(this.opts.lines), 'sh', '-c', cmd);
    this.started = true;
    return waitFor ? this.waitFor(waitFor) : this.screen();
  }

  // The screen as text (lines joined by \n); escapes: with colour/attribute escapes.
  screen({ escapes = false } = {}) {
    return this.tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', '0');
  }

  // Keys as tmux send-keys names ("Enter", "C-s", "BTab", "Escape") or literal text via {literal}.
  keys(...keys) {
    this.tmux('send-keys', '-t', '0', ...keys);
  }

  type(text) {
    this.tmux('send-keys', '-t', '0', '-l', text);
  }

  resize(cols, lines) {
    this.tmux('resize-window', '-t', '0', '-x', String(cols), '-y', String(lines));
  }

  clipboard() {
    try {
      return this.tmux('show-buffer');
    } catch {
      return '';
    }
  }

  // Wait until the screen matches re (or fn(screen) is true); returns the screen.
  async waitFor(re, { timeout = 15000, interval = 100, escapes = false } = {}) {
    const test = typeof re === 'function' ? re : (s) => re.test(s);
    const until = Date.now() + timeout;
    let s = '';
    for (;;) {
      s = this.screen({ escapes });
      if (test(s)) return s;
      if (this.exited() !== null) throw new Error(`ctvtui exited (${this.exited()}) while waiting for ${re}:\n${s}\n${this.sanitizerReport()}`);
      if (Date.now() > until) throw new Error(`timeout waiting for ${re}; screen:\n${s}`);
      await sleep(interval);
    }
  }

  exited() {
    try {
      return Number(fs.readFileSync(this.exitFile, 'utf8').trim());
    } catch {
      return null;
    }
  }

  sanitizerReport() {
    return fs.readdirSync(this.dir).filter((f) => f.startsWith('asan'))
      .map((f) => fs.readFileSync(path.join(this.dir, f), 'utf8')).join('\n');
  }

  // Quit with Q (after closing forms with Escape), wait for the exit, check
  // the status and the sanitizers, kill this test's tmux server.
  async stop({ quitKeys = ['Escape', 'Q'] } = {}) {
    if (!this.started) return;
    try {
      if (this.exited() === null) {
        for (const k of quitKeys) {
          if (this.exited() !== null) break;
          this.keys(k);
          await sleep(150);
        }
        const until = Date.now() + 15000;
        while (this.exited() === null && Date.now() < until) await sleep(100);
      }
      const code = this.exited();
      const report = this.sanitizerReport();
      assert.equal(report, '', `sanitizer report from ctvtui:\n${report}`);
      assert.equal(code, 0, `ctvtui exit status ${code}; screen:\n${this.screen()}`);
    } finally {
      try { this.tmux('kill-server'); } catch { /* already gone */ }
      this.started = false;
    }
  }

  tokenFile() {
    return path.join(this.cfgHome, 'ctvctl', 'token');
  }
}
