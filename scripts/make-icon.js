#!/usr/bin/env node
// Renders resources/icon.svg to resources/icon.png, the icon electron-builder turns into the
// .icns, .ico and Linux icon sizes. Run again after editing the SVG; the PNG is committed.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const resources = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../resources');
// 1024 px: macOS wants 512 pt at 2x; Windows and Linux sizes are scaled down from it.
const info = await sharp(path.join(resources, 'icon.svg'), { density: 72 })
  .resize(1024, 1024)
  .png({ compressionLevel: 9 })
  .toFile(path.join(resources, 'icon.png'));
console.log(`resources/icon.png: ${info.width}x${info.height}, ${info.size} bytes`);
