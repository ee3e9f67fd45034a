// classifier-studio: the command-line face of the same service the desktop app uses.
import { Command } from 'commander';
import { RecognitionService, type RecognizeResult } from '../service/recognition.ts';
import { endQuietlyOnClosedPipe } from './closed-pipe.ts';
import { registerBuild } from './build.ts';
import { registerDataset } from './dataset.ts';
import { registerSummary, writeOverlay } from './explain.ts';
import { registerDatasets, registerModelFiles } from './files.ts';
import { verdict } from '../shared/confidence.ts';
import { errorCodeOf } from '../shared/errors.ts';
import { fileError, formatBackend, formatPrediction, offlineFooter, offlineText, table } from './format.ts';
import { modelAvailable } from '../core/zoo/files.ts';
import { missingFiles } from '../core/zoo/availability.ts';
import { storageOf, withStorage, type StorageOptions } from './options.ts';
import { resizeOption } from './options.ts';
import type { PhotoFit } from '../shared/vocabulary.ts';
import { downloadPrinter } from './progress.ts';
import { registerTraining } from './train.ts';
import { registerTransfer } from './transfer.ts';

type CommonOptions = StorageOptions;

function service(opts: CommonOptions): RecognitionService {
  return new RecognitionService({ ...storageOf(opts), backend: opts.backend, offline: opts.offline, onDownload: downloadPrinter().progress });
}

const withCommon = (cmd: Command) => withStorage(cmd);

/** `--threshold`: a fraction (0.5) or a percentage (50%). */
function parseThresholdOption(v: string): number {
  const percent = v.trim().endsWith('%');
  const n = Number(percent ? v.trim().slice(0, -1) : v) / (percent ? 100 : 1);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new Error('--threshold takes a probability from 0 to 1, or a percentage such as 50%');
  return n;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A --layer Grad-CAM cannot use: a mistake in the command, not in a photo. */
const isLayerError = (err: unknown) => ['layer-missing', 'layer-not-convolution'].includes(errorCodeOf(err)?.code ?? '');

endQuietlyOnClosedPipe();

const program = new Command()
  .name('classifier-studio')
  .description(
    'Image classification: recognize photos with pretrained ImageNet models, train and evaluate CNNs on built-in datasets or your own classes, and manage models and datasets.',
  )
  // A command's options belong to it, not to the command above (`models download x --json`).
  .enablePositionalOptions()
  .showHelpAfterError();

withCommon(
  program
    .command('predict')
    .description('top-k labels for each image')
    .argument('<images...>', 'image files (JPEG, PNG, WebP, GIF, TIFF, AVIF)')
    .option(
      '-m, --model <model>',
      `${new RecognitionService()
        .listModels()
        .map((m) => m.id)
        .join(', ')}, a trained model's name, or the path of a .keras file, .h5 file or TensorFlow.js model folder`,
      'mobilenet',
    )
    .option(
      '--top <k>',
      'how many labels',
      (v) => {
        const k = Number(v);
        if (!Number.isInteger(k) || k < 1) throw new Error('--top takes a whole number of at least 1');
        return k;
      },
      5,
    )
    .option('--threshold <p>', 'below this probability (0..1, or a percentage such as 50%) the answer is "not sure"', parseThresholdOption)
    .addOption(resizeOption('default: what the model was trained with (zoo models: crop)'))
    .option('--json', 'one JSON object per line per image')
    .option('--explain', 'with each answer, its Grad-CAM heatmap: where in the photo the model found that class (with --json: "heatmap" of each entry of "top")')
    .option('--explain-dir <dir>', "writes each photo with its top answer's heatmap laid over it as a PNG into <dir> (an existing file is kept: a free name is taken)")
    .option('--overwrite', 'with --explain-dir: replace an overlay of the same name')
    .option(
      '--layer <name>',
      "with --explain or --explain-dir: the layer whose feature maps Grad-CAM uses (a convolution, or its activation; default: the last convolution's; `summary` lists the layers)",
    ),
).action(
  async (
    images: string[],
    opts: CommonOptions & {
      model: string;
      top: number;
      threshold?: number;
      resize?: PhotoFit;
      json?: boolean;
      explain?: boolean;
      explainDir?: string;
      overwrite?: boolean;
      layer?: string;
    },
  ) => {
    if (opts.layer !== undefined && !opts.explain && !opts.explainDir) throw new Error('--layer chooses the layer of --explain or --explain-dir: give one of them too.');
    const svc = service(opts);
    let failed = 0;
    try {
      const report = await svc.backend();
      if (!opts.json) console.error(formatBackend(report));
      const fail = (file: string, error: string) => {
        failed++;
        if (opts.json) console.log(JSON.stringify({ file, error }));
        else console.error(fileError(file, error));
      };
      const show = async (r: RecognizeResult) => {
        const top = r.top.map(({ index, id, label, probability, heatmap }) => ({
          index,
          id,
          label,
          probability: Number(probability.toFixed(6)),
          ...(opts.explain && heatmap ? { heatmap } : {}),
        }));
        const sure = opts.threshold === undefined ? {} : { sure: verdict(r.top, opts.threshold, r.warnings).sure };
        const best = r.top[0];
        const overlay = opts.explainDir && best?.heatmap ? await writeOverlay(opts.explainDir, r.file, best.label, best.heatmap, opts.overwrite) : undefined;
        const share = r.rangeShare === undefined ? {} : { rangeShare: Number(r.rangeShare.toFixed(6)) };
        const warnings = r.warnings.map(({ code, message }) => ({ code, message }));
        if (opts.json)
          console.log(
            JSON.stringify({
              file: r.file,
              model: r.model,
              ...(r.requested ? { requested: r.requested } : {}),
              backend: r.backend,
              ms: r.ms,
              ...(opts.explain && r.layer ? { layer: r.layer } : {}),
              ...sure,
              ...share,
              top,
              warnings,
              ...(overlay ? { overlay } : {}),
            }),
          );
        else console.log(formatPrediction(r, opts.threshold, { heatmaps: opts.explain, overlay }));
      };
      let answered = 0;
      try {
        if (opts.explain || opts.explainDir) {
          // Grad-CAM needs each photo's own gradient pass: one at a time.
          for (const file of images) {
            answered++;
            try {
              await show(await svc.recognize({ image: file, model: opts.model, topK: opts.top, explain: true, fit: opts.resize, layer: opts.layer }));
            } catch (err) {
              if (isLayerError(err)) throw err; // the same for every photo: said once
              fail(file, errorText(err));
            }
          }
        } else {
          // Decoded ahead and run in batches; answered in the order given.
          for await (const r of svc.recognizeMany({ images, model: opts.model, topK: opts.top, fit: opts.resize })) {
            answered++;
            if ('error' in r) fail(r.file, r.error);
            else await show(r);
          }
        }
      } catch (err) {
        if (isLayerError(err)) throw err;
        // The model did not load (or inference failed): every image not yet answered is answered with
        // why, a line each in JSON (one per image, as scripts read it), once on a terminal.
        const left = images.slice(answered);
        if (opts.json) for (const file of left) fail(file, errorText(err));
        else {
          failed += left.length;
          console.error(`error: ${errorText(err)}${left.length > 1 ? ` (${left.length} images not answered)` : ''}`);
        }
      }
    } finally {
      svc.dispose();
    }
    process.exitCode = failed ? 1 : 0;
  },
);

const models = withStorage(
  program
    .command('models')
    .description('list the models of the zoo, and which can be used offline (in the cache or the mirror); download, import: their files')
    .option('--json', 'as JSON'),
  ['mirror', 'cache'],
).action(async (opts: StorageOptions & { json?: boolean }) => {
  const storage = storageOf(opts);
  const models = await Promise.all(
    new RecognitionService().listModels().map(async (m) => {
      const offline = (await modelAvailable(m.id, storage)) ?? null;
      return { ...m, offline, ...(offline ? {} : { downloadBytes: (await missingFiles(m.id, storage))?.bytes }) };
    }),
  );
  if (opts.json) return console.log(JSON.stringify(models));
  console.log(
    table([
      ['id', 'name', 'parameters', 'offline', 'description'],
      ...models.map((m) => [m.id, m.name, `${(m.parameters / 1e6).toFixed(1)}M`, offlineText(m.offline, m.downloadBytes), m.description]),
    ]),
  );
  console.log(
    offlineFooter(
      models.map((m) => m.offline),
      storage,
      'classifier-studio models download <id>',
    ),
  );
});

withCommon(program.command('backend').description('show which compute backend is used and why').option('--json', 'as JSON')).action(
  async (opts: CommonOptions & { json?: boolean }) => {
    const report = await service(opts).backend();
    console.log(opts.json ? JSON.stringify(report) : formatBackend(report));
  },
);

registerModelFiles(models);
registerBuild(models);
registerDatasets(program);
registerDataset(program);
registerTraining(program);
registerTransfer(program);
registerSummary(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`error: ${errorText(err)}`);
  process.exitCode = 2;
});
