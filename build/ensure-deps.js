#!/usr/bin/env node
// Runs before `npm start` and `npm test`: on a fresh checkout (or after
// package-lock.json changed) it installs the locked dependencies first, so
// that the quick start is two commands. Plain JavaScript: tsx is one of the
// dependencies it may have to install.
'use strict';
const { spawnSync } = require('node:child_process');
const { statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const mtime = (path) => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return null;
  }
};

const installed = mtime(join(root, 'node_modules', '.package-lock.json'));
const locked = mtime(join(root, 'package-lock.json'));
if (installed !== null && locked !== null && installed >= locked) process.exit(0);

console.log('[deps] installing the locked dependencies (npm ci)…');
const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
