// Remembers where the window was and how big, and puts it back only where a screen still is.
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { app, screen, type BrowserWindow, type Rectangle } from 'electron';

interface Saved {
  bounds: Rectangle;
  maximized: boolean;
}

const file = () => path.join(app.getPath('userData'), 'window-state.json');

export function loadWindowState(defaults: { width: number; height: number }): Saved {
  try {
    const saved = JSON.parse(readFileSync(file(), 'utf8')) as Saved;
    const b = saved.bounds;
    const valid = [b.x, b.y, b.width, b.height].every(Number.isFinite) && b.width >= 640 && b.height >= 480;
    // A monitor that was unplugged would leave the window out of reach.
    const area = valid ? screen.getDisplayMatching(b).workArea : undefined;
    const visible = area && b.x < area.x + area.width - 50 && b.y < area.y + area.height - 50 && b.x + b.width > area.x + 50 && b.y >= area.y - 10;
    if (valid && visible) return { bounds: b, maximized: !!saved.maximized };
  } catch {
    /* first start, or an unreadable file: defaults */
  }
  return { bounds: { x: NaN, y: NaN, ...defaults }, maximized: false };
}

export function trackWindowState(window: BrowserWindow): void {
  let timer: NodeJS.Timeout | undefined;
  const save = () => {
    if (window.isDestroyed() || window.isMinimized()) return;
    const state: Saved = { bounds: window.getNormalBounds(), maximized: window.isMaximized() };
    void writeFile(file(), JSON.stringify(state)).catch(() => undefined);
  };
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(save, 400);
  };
  window.on('resize', later);
  window.on('move', later);
  window.on('close', () => {
    clearTimeout(timer);
    save();
  });
}
