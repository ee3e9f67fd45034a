// Where the Electron binary is, or why there is none. Installs with ELECTRON_SKIP_BINARY_DOWNLOAD=1
// (the only kind possible without internet) have the electron package but not its binary;
// `npm start` and `npm run dist` ask here and say so instead of failing later or downloading.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

/** `{ binary, distDir }` when Electron is installed, else `{ why }`. */
export function findElectron() {
  let binary;
  try {
    // The package exports the binary's path, and throws when it was never downloaded.
    binary = require('electron');
  } catch (err) {
    return { why: err.message.split('\n')[0] };
  }
  if (typeof binary !== 'string' || !existsSync(binary)) return { why: `the electron package points to ${binary}, which does not exist` };
  // The unpacked distribution electron-builder can package from: the binary's folder tree.
  const distDir = process.env.ELECTRON_OVERRIDE_DIST_PATH ?? path.join(path.dirname(require.resolve('electron/package.json')), 'dist');
  return { binary, distDir };
}

/**
 * What to tell someone whose command needs the binary. Electron's own reason for a skipped download
 * ("failed to install correctly, please delete node_modules/electron and try installing again") is
 * left out: offline, deleting and reinstalling brings back the same package without its binary.
 */
export function missingElectronMessage(why, alternative) {
  const detail = /failed to install correctly/i.test(why) ? '' : `\n(${why})`;
  return (
    'The Electron binary is not installed (it is downloaded by `npm install` unless ELECTRON_SKIP_BINARY_DOWNLOAD=1 is set, ' +
    'and needs internet).\nRun `node node_modules/electron/install.js` on a machine with internet' +
    (alternative ? `, or ${alternative}` : '') + `.${detail}`
  );
}
