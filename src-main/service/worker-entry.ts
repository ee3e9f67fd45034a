/**
 * Where a worker module is. Built code has each worker as its own file beside the main bundle
 * (electron.vite.config.ts names them); from TypeScript sources (CLI, tests) it is the .ts module.
 */
export function workerEntry(builtName: string, source: string, base: string): URL {
  return base.endsWith('.ts') ? new URL(source, base) : new URL(`./${builtName}.js`, base);
}
