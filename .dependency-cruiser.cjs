// The architecture, checked (npm run lint): no import cycles; core knows nothing of the service,
// the CLI or Electron; shared/ is dependency-free; the renderer reaches main only through the
// contract and shared/.
module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', from: {}, to: { circular: true } },
    { name: 'core-stands-alone', severity: 'error', from: { path: '^src-main/core/' }, to: { path: '^src-main/(service|electron|cli)/' } },
    { name: 'service-has-no-electron', severity: 'error', from: { path: '^src-main/service/' }, to: { path: '^src-main/(electron|cli)/|^electron$' } },
    { name: 'shared-is-dependency-free', severity: 'error', from: { path: '^src-main/shared/' }, to: { pathNot: '^src-main/shared/' } },
    {
      name: 'renderer-through-the-contract',
      severity: 'error',
      from: { path: '^src-renderer/', pathNot: '^src-renderer/compute/' },
      to: { path: '^src-main/', pathNot: '^src-main/(contract\\.ts|shared/)' },
    },
    // The hidden compute page runs core's engine in the browser: only through core/compute, and
    // nothing it reaches may need Node (node: builtins, sharp, h5wasm's Node build).
    {
      name: 'compute-page-through-core-compute',
      severity: 'error',
      from: { path: '^src-renderer/compute/' },
      to: { path: '^src-main/', pathNot: '^src-main/(core/compute/|shared/)' },
    },
    {
      name: 'compute-page-is-browser-safe',
      severity: 'error',
      from: { path: '^src-renderer/compute/' },
      to: { reachable: true, path: '^(node:|fs|path|os|module|url|crypto|stream|worker_threads|child_process|perf_hooks|zlib|http|https|net)(/|$)|sharp|h5wasm' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.vue', '.js'] },
  },
};
