// tests/lib/ctvctl.mjs: running the ctvctl binary (CTVCTL_BIN, the ASan
// build) from integration tests.
//
// Each test gets a private XDG_CONFIG_HOME (so token files never mix and
// never touch the user's) and a private HOME. ctl() spawns asynchronously:
// tests also run small node HTTP servers in this process (slow, garbage),
// which a synchronous spawn would starve. A sanitizer report on stderr fails
// the call.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';

export const BIN = process.env.CTVCTL_BIN;

// A fresh config home; returns the env for ctvctl pointed at server.
export function ctlEnv(server, extra = {}) {
  const home = fs.mkdtempSync(path.join(process.env.VAR || os.tmpdir(), 'ctvctl-'));
  fs.mkdirSync(path.join(home, 'config'), { mode: 0o700 });
  return {
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, 'config'),
    ...(server ? { CTVCTL_SERVER: server } : {}),
    ...extra,
  };
}

export function tokenPath(env) {
  return path.join(env.XDG_CONFIG_HOME, 'ctvctl', 'token');
}

export function readToken(env) {
  return JSON.parse(fs.readFileSync(tokenPath(env), 'utf8'));
}

function baseEnv(env) {
  return {
    PATH: process.env.PATH,
    LANG: 'C.UTF-8',
    ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0:exitcode=86',
    UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1',
    ...env,
  };
}

const SANITIZER = /(AddressSanitizer|LeakSanitizer|runtime error:|UndefinedBehaviorSanitizer)/;

// Run ctvctl args; resolves {status, stdout, stderr}.
export function ctl(args, { env = {}, input, timeout = 60000, cwd } = {}) {
  assert.ok(BIN && fs.existsSync(BIN), `CTVCTL_BIN not found: ${BIN}`);
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, { env: baseEnv(env), cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`ctvctl ${args.join(' ')} timed out`)); }, timeout);
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      if (SANITIZER.test(stderr)) reject(new Error(`sanitizer report from ctvctl ${args.join(' ')}:\n${stderr}`));
      else resolve({ status, signal, stdout, stderr });
    });
    child.stdin.on('error', () => {});
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

// Quote for sh.
export const shq = (s) => `'${String(s).replace(/'/g, "'\\''")}'`;

// Run ctvctl on a pseudo-terminal (util-linux script). steps: [{wait: /re/, send: 'text'}]
// are played in order once the output matches. Resolves {status, out} where out is
// everything the terminal showed (stdout and stderr together, with \r).
export function onTty(args, { env = {}, steps = [], timeout = 60000, cwd } = {}) {
  const cmd = [BIN, ...args].map(shq).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qefc', cmd, '/dev/null'], { env: baseEnv(env), cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let step = 0;
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`tty ctvctl ${args.join(' ')} timed out:\n${out}`)); }, timeout);
    const advance = () => {
      while (step < steps.length && steps[step].wait.test(out)) {
        child.stdin.write(steps[step].send);
        step++;
      }
    };
    child.stdout.on('data', (d) => { out += d; advance(); });
    child.stderr.on('data', (d) => { out += d; });
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      if (SANITIZER.test(out)) reject(new Error(`sanitizer report:\n${out}`));
      else resolve({ status, out });
    });
    advance();
  });
}

// Log in as a fixture user (password123) through --password-stdin.
export async function login(env, email, password = 'password123') {
  const r = await ctl(['login', '--email', email, '--password-stdin'], { env, input: `${password}\n` });
  assert.equal(r.status, 0, r.stderr);
  return readToken(env);
}
