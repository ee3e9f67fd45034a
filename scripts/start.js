#!/usr/bin/env node
// `npm start`: build the app and open its window; say plainly what is missing when the
// Electron binary was not downloaded (installs with ELECTRON_SKIP_BINARY_DOWNLOAD=1).
import { spawnSync } from 'node:child_process';
import { findElectron, missingElectronMessage } from './electron-binary.js';

const electron = findElectron();
if (!electron.binary) {
  console.error(missingElectronMessage(electron.why, 'use the CLI: `npx classifier-studio predict photo.jpg`'));
  process.exit(1);
}
const result = spawnSync('npx', ['electron-vite', 'preview', ...process.argv.slice(2)], { stdio: 'inherit', shell: process.platform === 'win32' });
process.exit(result.status ?? 1);
