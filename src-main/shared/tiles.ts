// Tiles of one size side by side (feature maps, a convolution's filters): computed by the core,
// drawn by the window. Dependency-free, so both sides use this one definition.

/** Tile i is levels[i*h*w*c .. (i+1)*h*w*c), row-major, HWC, 8-bit, each scaled to its own range. */
export interface TileGrid {
  layer: string;
  type: string;
  width: number;
  height: number;
  channels: 1 | 3;
  /** How many the layer has (channels for maps, filters for a convolution). */
  total: number;
  /** How many are given: the first `count` of `total`. */
  count: number;
  levels: Uint8Array;
}
