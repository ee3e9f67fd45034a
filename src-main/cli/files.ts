// classifier-studio models download|import and datasets [import]: the zoo's and the built-in
// datasets' files on disk, fetched resumably or imported from local copies (air-gapped machines).
import type { Command } from 'commander';
import { datasetAvailable, loadDatasetCatalog } from '../core/datasets/catalog.ts';
import { DownloadCancelledError } from '../core/downloads/download.ts';
import type { LocatedFiles } from '../core/zoo/files.ts';
import { offlineFooter, offlineText, table } from './format.ts';
import { storageOf, studioOf, withStorage, type StorageOptions } from './options.ts';
import { downloadPrinter } from './progress.ts';

interface Where extends StorageOptions {
  json?: boolean;
}

function describe(what: string, at: LocatedFiles): string {
  return at.source === 'mirror' ? `${what}: in the mirror ${at.root}` : `${what}: in the cache ${at.root}${at.source === 'download' ? ' (downloaded)' : ''}`;
}

/** Adds download and import to the `models` command (which lists the zoo by itself). */
export function registerModelFiles(models: Command): void {
  withStorage(models.command('download <id>'), ['mirror', 'cache'])
    .description('fetch a zoo model and its labels into the cache (from the mirror when it has them): resumable, Ctrl-C keeps what arrived')
    .option('--json', 'the outcome as one JSON line')
    .action(async (id: string, o: Where) => {
      const printer = downloadPrinter();
      const abort = new AbortController();
      const onSigint = () => abort.abort();
      process.once('SIGINT', onSigint);
      try {
        const got = await studioOf(o).downloadModel(id, abort.signal, (p) => printer.progress(p));
        printer.end();
        if (o.json) console.log(JSON.stringify({ id: got.id, files: got.files, labels: got.labels }));
        else {
          console.log(describe(got.id, got.files));
          if (got.labels) console.log(describe('labels', got.labels));
        }
      } catch (err) {
        printer.end();
        if (!(err instanceof DownloadCancelledError)) throw err;
        // 128 + SIGINT, as a shell reports a command stopped by Ctrl-C.
        process.exitCode = 130;
        if (o.json) console.log(JSON.stringify({ id, cancelled: true, partFile: err.partFile, received: err.received }));
        console.error(`cancelled: ${err.message} Run the same command again to resume.`);
      } finally {
        process.off('SIGINT', onSigint);
      }
    });

  withStorage(models.command('import <id> <path>'), ['cache'])
    .description(
      'put a zoo model\'s files (or a labels file, e.g. "imagenet") into the cache from a folder laid out like the mirror, a folder of the files, or the file itself; each is checked against the catalogue',
    )
    .option('--json', 'the outcome as one JSON line')
    .action(async (id: string, source: string, o: Where) => {
      const r = await studioOf(o).importModel(id, source);
      if (o.json) return console.log(JSON.stringify(r));
      const bytes = r.files.reduce((s, f) => s + f.bytes, 0);
      console.log(`imported ${r.files.length} files of ${r.id} (${(bytes / 1e6).toFixed(1)} MB, each matching the catalogue) into ${r.cacheDir}`);
      for (const n of r.notes) console.error(`note: ${n}`);
    });
}

export function registerDatasets(program: Command): void {
  const datasets = withStorage(
    program.command('datasets').description('list the built-in datasets, and which can be used offline (in the cache or the mirror)').option('--json', 'as JSON'),
    ['mirror', 'cache'],
  ).action(async (o: Where) => {
    const storage = storageOf(o);
    const list = await Promise.all(
      loadDatasetCatalog().map(async (entry) => {
        const { id, name, description, imageShape, classNames, classCount, counts, license } = entry;
        return {
          id,
          name,
          description,
          imageShape,
          classes: classNames?.length ?? classCount,
          counts,
          license,
          offline: (await datasetAvailable(entry, storage.cacheDir, storage.mirrorDir)) ?? null,
        };
      }),
    );
    if (o.json) return console.log(JSON.stringify(list));
    console.log(table([['id', 'name', 'offline', 'description'], ...list.map((d) => [d.id, d.name, offlineText(d.offline), d.description ?? ''])]));
    console.log(
      offlineFooter(
        list.map((d) => d.offline),
        storage,
        'classifier-studio datasets import <id> <folder>, or any command that uses it',
      ),
    );
  });

  withStorage(datasets.command('import <id> <paths...>'), ['cache'])
    .description(
      "put a built-in dataset into the cache from local files: its official files (checked by digest), e.g. the folder holding MNIST's four .gz files, the CIFAR-10 archive, or Stanford Dogs' images.tar and lists.tar (the folder holding them, or the two files)",
    )
    .option(
      '--allow-unofficial',
      'also accept copies that are not the official bytes (re-compressed or rebuilt IDX files, extracted CIFAR batches, train/ and test/ class folders) once their contents are checked',
    )
    .option('--json', 'the outcome as one JSON line')
    .action(async (id: string, sources: string[], o: Where & { allowUnofficial?: boolean }) => {
      const r = await studioOf(o).importDataset(id, sources, { allowUnofficial: o.allowUnofficial });
      if (o.json) return console.log(JSON.stringify(r));
      const how = r.checked === 'digest' ? 'official files, digests match' : 'contents checked';
      console.log(`imported ${r.id} (${r.layout}, ${how}) into ${r.dir}`);
      for (const n of r.notes) console.error(`note: ${n}`);
    });
}
