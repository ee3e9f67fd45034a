// Matplotlib's 'jet' colour map, as the Keras Grad-CAM example draws heatmaps: blue (0), cyan,
// yellow, red (1). One map for the CLI's overlays and the window's. Dependency-free.
export function jet(v: number): [number, number, number] {
  const c = (x: number) => Math.round(255 * Math.min(1, Math.max(0, x)));
  return [c(1.5 - Math.abs(4 * v - 3)), c(1.5 - Math.abs(4 * v - 2)), c(1.5 - Math.abs(4 * v - 1))];
}
