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
      from: { path: '^src-renderer/' },
      to: { path: '^src-main/', pathNot: '^src-main/(contract\\.ts|shared/)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.vue', '.js'] },
  },
};
