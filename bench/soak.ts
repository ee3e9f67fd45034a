// Soak: 1,000 recognitions with mobilenet through the service (the model runs in the recognizer's
// worker thread, which reports its tf.memory()), then a 10-epoch training run, sampled as they go:
// tensors must stay exactly flat after warm-up, memory nearly so.
//   node --expose-gc bin/run-ts.js bench/soak.ts [--recognitions 1000] [--every 100] [--epochs 10] [--limit 5000] [--json]
// --expose-gc (optional) collects before each sample, so heap and RSS figures compare.
import { option } from './each-backend.ts';
import { recognitionSoak, trainingSoak, type Sample } from '../test/helpers/soak.ts';

const args = process.argv.slice(2);
const recognitions = Number(option(args, '--recognitions') ?? 1000);
const every = Number(option(args, '--every') ?? 100);
const epochs = Number(option(args, '--epochs') ?? 10);
const limit = Number(option(args, '--limit') ?? 5000);
const progress = (what: string) => (s: Sample) => console.error(`${what} ${s.at}: ${s.numTensors} tensors, rss ${s.rssMB.toFixed(0)} MB, heap ${s.heapMB.toFixed(1)} MB`);

const rec = await recognitionSoak(recognitions, every, progress('recognition'));
const train = await trainingSoak({ dataset: 'mnist', network: 'lenet5', epochs, batchSize: 32, limit, testLimit: 1000, validationSplit: 0.1, seed: 1 }, progress('epoch'));

/**
 * Tensors identical from the second sample on (the first is the warm-up); memory growth as the
 * last sample over the lowest after warm-up: the process gives back start-up memory in its first
 * minutes, and a leak would climb from that low point.
 */
function verdict(samples: Sample[]): { flat: boolean; tensors: string; rssGrowthMB: number; heapGrowthMB: number } {
  const after = samples.slice(1);
  const counts = new Set(after.map((s) => s.numTensors));
  const last = after.at(-1)!;
  return {
    flat: counts.size === 1,
    tensors: [...counts].join(', '),
    rssGrowthMB: last.rssMB - Math.min(...after.map((s) => s.rssMB)),
    heapGrowthMB: last.heapMB - Math.min(...after.map((s) => s.heapMB)),
  };
}

const result = {
  recognition: { ...rec, verdict: verdict(rec.samples) },
  training: { samples: train.samples, seconds: train.seconds, testAccuracy: train.done.test_accuracy, verdict: verdict(train.samples) },
};
if (args.includes('--json')) {
  console.log(JSON.stringify(result));
} else {
  const table = (label: string, samples: Sample[]) => {
    console.log(`| ${label} | tf tensors | tf MB | process RSS MB | heap MB (model's thread) |\n|---|---|---|---|---|`);
    for (const s of samples) console.log(`| ${s.at} | ${s.numTensors} | ${(s.numBytes / 2 ** 20).toFixed(1)} | ${s.rssMB.toFixed(0)} | ${s.heapMB.toFixed(1)} |`);
  };
  const line = (v: ReturnType<typeof verdict>) =>
    `tensors ${v.flat ? `identical after warm-up (${v.tensors})` : `NOT flat (${v.tensors})`}; RSS ${v.rssGrowthMB >= 0 ? '+' : ''}${v.rssGrowthMB.toFixed(0)} MB, heap ${v.heapGrowthMB >= 0 ? '+' : ''}${v.heapGrowthMB.toFixed(1)} MB from its lowest after warm-up`;
  table('recognitions', rec.samples);
  console.log(`\n${recognitions} recognitions in ${rec.seconds.toFixed(0)} s, top-5 right ${rec.top5}/${recognitions}: ${line(result.recognition.verdict)}\n`);
  table('epoch', train.samples);
  console.log(
    `\n${epochs} epochs of lenet5 on ${limit} MNIST images in ${train.seconds.toFixed(0)} s, test accuracy ${train.done.test_accuracy?.toFixed(4)}: ${line(result.training.verdict)}`,
  );
}
process.exitCode = result.recognition.verdict.flat && result.training.verdict.flat ? 0 : 1;
