// A small Stanford Dogs in the official layout, made of the real dog photos of ../shared (each
// breed's photo cropped several ways: its training and test photos are different views of it):
// images.tar (Images/<synset>-<breed>/…jpg), lists.tar (MATLAB 5 split lists), served by a local
// HTTP server, and a catalogue entry that names them with their digests and sizes. Used by
// test/stanford-dogs.test.ts and the app's build test (test/ui/dog-breeds-build.test.ts).
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { DatasetEntry } from '../../src-main/core/datasets/catalog.ts';
import { stanfordDogsEntry } from '../../src-main/core/datasets/stanford-dogs.ts';
import { startFileServer, type FileServer } from './file-server.ts';
import { writeMat5 } from './mat5-writer.ts';
import { imagenetDevDir } from './shared.ts';
import { tarOf } from './tar-writer.ts';

export const BREEDS = [
  ['n02086240', 'Shih-Tzu'],
  ['n02088094', 'Afghan_hound'],
  ['n02099267', 'flat-coated_retriever'],
  ['n02106662', 'German_shepherd'],
  ['n02110185', 'Siberian_husky'],
  ['n02112137', 'chow'],
] as const;
export const TRAIN_VIEWS = 6;
export const TEST_VIEWS = 2;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** View k of a photo: a square crop at one of several places and sizes, some mirrored. */
async function view(file: string, k: number): Promise<Buffer> {
  const img = sharp(file);
  const { width = 0, height = 0 } = await img.metadata();
  const side = Math.round(Math.min(width, height) * (0.7 + 0.06 * (k % 4)));
  const left = Math.round(((width - side) * ((k * 37) % 11)) / 10);
  const top = Math.round(((height - side) * ((k * 53) % 7)) / 6);
  let out = sharp(file).extract({ left, top, width: side, height: side }).resize(256, 256);
  if (k % 2) out = out.flop();
  return out.jpeg({ quality: 90 }).toBuffer();
}

export interface StanfordFixture {
  imagesTar: Buffer;
  listsTar: Buffer;
  /** The test views, also as files (breed names with spaces, as the model's labels read). */
  testPhotos: { file: string; breed: string }[];
  server: FileServer;
  /** The official entry, with these files at the server's URLs and these counts. */
  entry: DatasetEntry;
}

/** Makes the archives under `root`, serves them, and describes them as the catalogue would. */
export async function stanfordFixture(root: string): Promise<StanfordFixture> {
  const images: { name: string; data: Buffer }[] = [];
  const lists = { train: [] as string[], test: [] as string[], trainLabels: [] as number[], testLabels: [] as number[] };
  const testPhotos: StanfordFixture['testPhotos'] = [];
  const photoDir = path.join(root, 'photos');
  await mkdir(photoDir, { recursive: true });
  for (const [i, [synset, breed]] of BREEDS.entries()) {
    const photo = path.join(imagenetDevDir, `${synset}_${breed}.JPEG`);
    for (let k = 0; k < TRAIN_VIEWS + TEST_VIEWS; k++) {
      const rel = `${synset}-${breed}/${synset}_${k}.jpg`;
      const data = await view(photo, k);
      images.push({ name: `Images/${rel}`, data });
      const split = k < TRAIN_VIEWS ? 'train' : 'test';
      lists[split].push(rel);
      lists[`${split}Labels`].push(i + 1);
      if (split === 'test') {
        const file = path.join(photoDir, `${synset}_${k}.jpg`);
        await writeFile(file, data);
        testPhotos.push({ file, breed: breed.replace(/_/g, ' ') });
      }
    }
  }
  const imagesTar = tarOf(images);
  const mat = (files: string[], labels: number[]) =>
    writeMat5(
      [
        { name: 'file_list', strings: files },
        { name: 'annotation_list', strings: files.map((f) => f.replace('.jpg', '')) },
        { name: 'labels', doubles: labels },
      ],
      { compress: true },
    );
  const listsTar = tarOf([
    { name: 'file_list.mat', data: mat([...lists.train, ...lists.test], [...lists.trainLabels, ...lists.testLabels]) },
    { name: 'test_list.mat', data: mat(lists.test, lists.testLabels) },
    { name: 'train_list.mat', data: mat(lists.train, lists.trainLabels) },
  ]);
  const served = path.join(root, 'served');
  await mkdir(served, { recursive: true });
  await writeFile(path.join(served, 'images.tar'), imagesTar);
  await writeFile(path.join(served, 'lists.tar'), listsTar);
  const server = await startFileServer(served);
  const entry: DatasetEntry = {
    ...stanfordDogsEntry(),
    counts: { train: BREEDS.length * TRAIN_VIEWS, test: BREEDS.length * TEST_VIEWS },
    classCount: BREEDS.length,
    files: [
      { name: 'images.tar', url: `${server.base}aditya86/ImageNetDogs/images.tar`, sha256: sha256(imagesTar), size: imagesTar.length },
      { name: 'lists.tar', url: `${server.base}aditya86/ImageNetDogs/lists.tar`, sha256: sha256(listsTar), size: listsTar.length },
    ],
  };
  return { imagesTar, listsTar, testPhotos, server, entry };
}
