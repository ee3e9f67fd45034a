// Where the real models, datasets and photos live for tests: ../shared beside the checkout.
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const sharedDir = process.env.CLASSIFIER_SHARED ?? path.resolve(repoRoot, '../shared');
export const mirrorDir = path.join(sharedDir, 'models');
export const imagenetDevDir = path.join(sharedDir, 'images/imagenet-dev');

/** False where ../shared is missing: vitest.config.ts then leaves out the tests that need it, saying so. */
export const hasShared = existsSync(mirrorDir);

export function tempDir(prefix = 'cs-test-'): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

/** A fetch that fails the test if anything tries the network. */
export const noNetwork: typeof fetch = async (input) => {
  throw new Error(`network touched: ${String(input)}`);
};
