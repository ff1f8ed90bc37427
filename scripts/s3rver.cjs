#!/usr/bin/env node
// Start s3rver (from this tree's node_modules) for tests and `make run`.
// Started by scripts/svc.sh; not meant to be run by hand.
//
// Why not plain `node_modules/.bin/s3rver`: its CLI only knows the built-in
// key pair S3RVER/S3RVER, while docs/admin-api.md defaults the
// credentials to test/test. This launcher accepts both, plus
// AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY from the environment if set.
//
// usage: node scripts/s3rver.cjs --directory DIR --port N [--address 127.0.0.1]
//                                [--bucket NAME]... [--pidfile FILE]
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
let S3rver, AWSAccount;
try {
  S3rver = require(path.join(root, 'node_modules', 's3rver'));
  AWSAccount = require(path.join(root, 'node_modules', 's3rver', 'lib', 'models', 'account'));
} catch (e) {
  console.error(`s3rver.cjs: s3rver is not installed in ${root}/node_modules (run scripts/deps.sh): ${e.message}`);
  process.exit(1);
}

const opts = { address: '127.0.0.1', port: 0, directory: null, buckets: [], pidfile: null };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const v = argv[i + 1];
  if (a === '--directory' || a === '-d') { opts.directory = v; i++; }
  else if (a === '--port' || a === '-p') { opts.port = Number(v); i++; }
  else if (a === '--address' || a === '-a') { opts.address = v; i++; }
  else if (a === '--bucket') { opts.buckets.push(v); i++; }
  else if (a === '--pidfile') { opts.pidfile = v; i++; }
  else { console.error(`s3rver.cjs: unknown argument ${a}`); process.exit(2); }
}
if (!opts.directory || !Number.isInteger(opts.port)) {
  console.error('usage: s3rver.cjs --directory DIR --port N [--address A] [--bucket NAME]...');
  process.exit(2);
}
fs.mkdirSync(opts.directory, { recursive: true });
if (opts.pidfile) fs.writeFileSync(opts.pidfile, `${process.pid}\n`);

const keys = new Map([['test', 'test']]);
if (process.env.AWS_ACCESS_KEY_ID && process.env.AWS_SECRET_ACCESS_KEY) {
  keys.set(process.env.AWS_ACCESS_KEY_ID, process.env.AWS_SECRET_ACCESS_KEY);
}
for (const [id, secret] of keys) {
  if (!AWSAccount.registry.has(id)) AWSAccount.DUMMY_ACCOUNT.createKeyPair(id, secret);
}

const server = new S3rver({
  address: opts.address,
  port: opts.port,
  directory: opts.directory,
  silent: false,
  configureBuckets: opts.buckets.map((name) => ({ name, configs: [] })),
});

server.run().then(({ address, port }) => {
  console.log(`S3rver listening on ${address}:${port} (buckets: ${opts.buckets.join(', ') || 'none'}; keys: ${[...AWSAccount.registry.keys()].join(', ')})`);
}, (err) => {
  console.error(`s3rver.cjs: ${err && err.code === 'EADDRINUSE' ? 'Address already in use' : ''} ${err && err.stack ? err.stack : err}`);
  process.exit(1);
});

for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
  process.on(sig, () => {
    server.close().finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  });
}
