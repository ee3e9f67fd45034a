#!/usr/bin/env node
// `npm start`: build the app and open its window; say plainly what is missing when the
// Electron binary was not downloaded (installs with ELECTRON_SKIP_BINARY_DOWNLOAD=1).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
try {
  require('electron');
} catch (err) {
  console.error(
    'The Electron binary is not installed (it is downloaded by `npm install` unless ELECTRON_SKIP_BINARY_DOWNLOAD=1 is set, ' +
      'and needs internet).\nRun `node node_modules/electron/install.js` on a machine with internet, or use the CLI: ' +
      '`npx classifier-studio predict photo.jpg`.\n' + `(${err.message.split('\n')[0]})`,
  );
  process.exit(1);
}
const result = spawnSync('npx', ['electron-vite', 'preview', ...process.argv.slice(2)], { stdio: 'inherit', shell: process.platform === 'win32' });
process.exit(result.status ?? 1);
