#!/usr/bin/env node
// `npm run dist`: build the bundles, then the installers of the current platform with
// electron-builder (electron-builder.yml). It packages the Electron binary that `npm install`
// downloaded, so nothing else is fetched for it; where that binary is missing it stops here,
// saying so, instead of letting electron-builder try to download Electron.
// Extra arguments go to electron-builder: `npm run dist -- --dir` (unpacked app only).
import { spawnSync } from 'node:child_process';
import { findElectron, missingElectronMessage } from './electron-binary.js';

const args = process.argv.slice(2);
const electron = findElectron();
if (!electron.binary) {
  console.error(missingElectronMessage(electron.why, 'see README "Installers" for what can be checked without it'));
  process.exit(1);
}

function run(command, commandArgs) {
  const result = spawnSync('npx', [command, ...commandArgs], { stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

// The installed binary is this platform's. Naming platforms (--win, -mwl, ...) leaves electron-builder
// to fetch each one's Electron itself, which needs internet.
const platformNamed = args.some((a) => /^--(mac|macos|win|windows|linux)$/.test(a) || /^-[mwl]+$/.test(a));
const builderArgs = [...(platformNamed ? [] : [`--config.electronDist=${electron.distDir}`]), '--publish', 'never', ...args];
run('electron-vite', ['build']);
run('electron-builder', builderArgs);
