// Where the app keeps its files when nobody says otherwise: the same user-data folder that
// Electron's app.getPath('userData') gives for "Classifier Studio", so CLI and app share it.
import os from 'node:os';
import path from 'node:path';

export const PRODUCT_NAME = 'Classifier Studio';

export function userDataDir(): string {
  const home = os.homedir();
  switch (process.platform) {
    case 'win32':
      return path.join(process.env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), PRODUCT_NAME);
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', PRODUCT_NAME);
    default:
      return path.join(process.env.XDG_CONFIG_HOME ?? path.join(home, '.config'), PRODUCT_NAME);
  }
}

export interface StorageSettings {
  /** Downloaded models and datasets. */
  cacheDir: string;
  /** An offline mirror laid out like the official URLs. */
  mirrorDir?: string;
  /** Trained models. */
  storeDir: string;
  /** Datasets the app makes and manages, one folder each (`<datasetsDir>/<name>/<class>/<file>`). */
  datasetsDir: string;
}

/** Explicit options win over CLASSIFIER_CACHE / CLASSIFIER_MIRROR / CLASSIFIER_STORE / CLASSIFIER_DATASETS, which win over defaults. */
export function resolveStorage(opts: { cacheDir?: string; mirrorDir?: string; storeDir?: string; datasetsDir?: string; userData?: string } = {}): StorageSettings {
  const userData = opts.userData ?? userDataDir();
  const cacheDir = opts.cacheDir ?? process.env.CLASSIFIER_CACHE ?? path.join(userData, 'models');
  const mirrorDir = opts.mirrorDir ?? (process.env.CLASSIFIER_MIRROR || undefined);
  const storeDir = opts.storeDir ?? process.env.CLASSIFIER_STORE ?? path.join(userData, 'trained');
  const datasetsDir = opts.datasetsDir ?? process.env.CLASSIFIER_DATASETS ?? path.join(userData, 'datasets');
  return {
    cacheDir: path.resolve(cacheDir),
    mirrorDir: mirrorDir ? path.resolve(mirrorDir) : undefined,
    storeDir: path.resolve(storeDir),
    datasetsDir: path.resolve(datasetsDir),
  };
}
