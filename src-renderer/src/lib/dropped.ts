// Pictures out of a drop or a paste, as the bytes main takes: files and whole folders (read
// through their entries, recursively), images only, by their type or their name.
import type { NamedBytes } from '../../../src-main/contract';

const IMAGE_NAME = /\.(jpe?g|png|webp|gif|tiff?|avif)$/i;
export const isPicture = (f: File) => f.type.startsWith('image/') || IMAGE_NAME.test(f.name);

function entryFiles(entry: FileSystemEntry): Promise<File[]> {
  if (entry.isFile)
    return new Promise((resolve) =>
      (entry as FileSystemFileEntry).file(
        (f) => resolve([f]),
        () => resolve([]),
      ),
    );
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  // readEntries gives a folder in parts: read until it answers with none.
  const all: FileSystemEntry[] = [];
  return new Promise((resolve) => {
    const next = () =>
      reader.readEntries(
        async (part) => {
          if (part.length) {
            all.push(...part);
            next();
          } else resolve((await Promise.all(all.map(entryFiles))).flat().filter(isPicture)); // a folder's other files are not offered
        },
        () => resolve([]),
      );
    next();
  });
}

/** Every file dropped by itself (main refuses and names what is not a picture), and the pictures in dropped folders. */
export async function droppedFiles(dt: DataTransfer | null): Promise<File[]> {
  if (!dt) return [];
  const entries = [...dt.items].filter((i) => i.kind === 'file').map((i) => i.webkitGetAsEntry?.() ?? null);
  // Files made in a page (and some platforms' drops) have no entries: their File objects will do.
  if (!entries.length || entries.some((e) => !e)) return [...dt.files];
  return (await Promise.all(entries.map((e) => entryFiles(e!)))).flat();
}

/** Main checks each and names what it refuses, whatever its type claims. */
export async function toBytes(files: File[]): Promise<NamedBytes[]> {
  return Promise.all(files.map(async (f) => ({ name: f.name || 'picture', data: new Uint8Array(await f.arrayBuffer()) })));
}
