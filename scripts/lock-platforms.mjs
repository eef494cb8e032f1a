#!/usr/bin/env node
// Adds lock entries for optional platform binaries (biome, msgpackr-extract) that the registry mirror used
// here does not serve: `npm install` then leaves them out of package-lock.json and `npm ci` refuses the lock
// ("Missing: @biomejs/cli-darwin-x64@ from lock file"). Each stub carries os/cpu/libc, so npm skips it on
// every platform but its own. Idempotent; run after every `npm install` (`npm run lock:platforms`).
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const platformOf = (name) => {
  const p = name.split('/').pop();
  const os = /android/.test(p)
    ? 'android'
    : /darwin/.test(p)
      ? 'darwin'
      : /win32/.test(p)
        ? 'win32'
        : /freebsd/.test(p)
          ? 'freebsd'
          : 'linux';
  const cpu = /arm64/.test(p) ? 'arm64' : /arm/.test(p) ? 'arm' : /ia32/.test(p) ? 'ia32' : 'x64';
  return { os: [os], cpu: [cpu], ...(/musl/.test(p) ? { libc: ['musl'] } : {}) };
};
let added = 0;
for (const [path, pkg] of Object.entries(lock.packages)) {
  for (const [name, range] of Object.entries(pkg.optionalDependencies ?? {})) {
    if (!/(cli|extract)-(android|darwin|win32|linux|freebsd)/.test(name)) continue;
    const base = path ? `${path}/node_modules/${name}` : `node_modules/${name}`;
    if (lock.packages[base] || lock.packages[`node_modules/${name}`]) continue;
    lock.packages[`node_modules/${name}`] = {
      version: String(range).replace(/^[\^~=]/, ''),
      optional: true,
      ...platformOf(name),
    };
    added++;
  }
}
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`lock-platforms: ${added} platform stub(s) added`);
