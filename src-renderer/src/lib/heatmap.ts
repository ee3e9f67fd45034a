// A Grad-CAM heatmap painted on a canvas, one canvas pixel a cell: CSS stretches the canvas over
// the photo and the browser smooths it (Recognize's viewer, the folder's thumbnails).
import type { HeatmapView } from '../../../src-main/contract';
import { jet } from '../../../src-main/shared/jet';

export function paintHeatmap(canvas: HTMLCanvasElement, h: HeatmapView): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  canvas.width = h.width;
  canvas.height = h.height;
  const rgba = new Uint8ClampedArray(h.width * h.height * 4);
  h.values.forEach((v, i) => rgba.set([...jet(v), 255], i * 4));
  ctx.putImageData(new ImageData(rgba, h.width, h.height), 0, 0);
}
