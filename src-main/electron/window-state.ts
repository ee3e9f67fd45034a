// Remembers where the window was and how big, and puts it back only where a screen still is.
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { app, screen, type BrowserWindow, type Rectangle } from 'electron';

export interface Saved {
  bounds: Rectangle;
  maximized: boolean;
}

/** The smallest window the panels are laid out for (main.ts's minWidth and minHeight). */
export const MIN_WINDOW = { width: 1024, height: 700 } as const;

const file = () => path.join(app.getPath('userData'), 'window-state.json');

const overlap = (a: Rectangle, b: Rectangle) =>
  Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)) * Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));

/** Between lo and hi; hi wins when the two cross (a screen smaller than the minimum). */
const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);

/**
 * Where the window opens, from what was saved (anything: the file is the user's) and the screens'
 * work areas. The saved bounds go to the screen they overlap most, or to the primary one when they
 * are off every screen (a monitor unplugged), made no smaller than MIN_WINDOW and no bigger than
 * that screen, and moved until wholly on it. Nothing usable saved: `defaults`, fitted to the
 * primary screen, with x and y NaN (Electron centres the window).
 */
export function placeWindow(saved: unknown, workAreas: Rectangle[], primary: Rectangle, defaults: { width: number; height: number }): Saved {
  const fit = (size: { width: number; height: number }, area: Rectangle) => ({
    width: Math.round(clamp(size.width, MIN_WINDOW.width, area.width)),
    height: Math.round(clamp(size.height, MIN_WINDOW.height, area.height)),
  });
  const s = saved as Partial<Saved> | null;
  const b = s && typeof s === 'object' ? s.bounds : undefined;
  if (!b || typeof b !== 'object' || ![b.x, b.y, b.width, b.height].every((v) => typeof v === 'number' && Number.isFinite(v)) || b.width <= 0 || b.height <= 0) {
    return { bounds: { x: NaN, y: NaN, ...fit(defaults, primary) }, maximized: false };
  }
  const best = workAreas.map((area) => ({ area, shared: overlap(b, area) })).sort((p, q) => q.shared - p.shared)[0];
  const onScreen = !!best && best.shared > 0;
  const area = onScreen ? best.area : primary;
  const size = fit(b, area);
  // Off every screen, the window is centred on the primary one rather than pushed to its edge.
  const x = onScreen ? b.x : area.x + (area.width - size.width) / 2;
  const y = onScreen ? b.y : area.y + (area.height - size.height) / 2;
  return {
    bounds: { x: Math.round(clamp(x, area.x, area.x + area.width - size.width)), y: Math.round(clamp(y, area.y, area.y + area.height - size.height)), ...size },
    maximized: s?.maximized === true,
  };
}

export function loadWindowState(defaults: { width: number; height: number }): Saved {
  let saved: unknown;
  try {
    saved = JSON.parse(readFileSync(file(), 'utf8'));
  } catch {
    /* first start, or an unreadable file: defaults */
  }
  return placeWindow(
    saved,
    screen.getAllDisplays().map((d) => d.workArea),
    screen.getPrimaryDisplay().workArea,
    defaults,
  );
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
