// Milliseconds per training step (batch 32, Adam) of fashion-cnn and cifar-cnn on every
// backend present; the cpu row is stock TensorFlow.js.
//   node bin/run-ts.js bench/train-step.ts [--json]
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src-main/core/backend.ts';
import { ensureTrainable } from '../src-main/core/backends/wasm-training-kernels.ts';
import { NETWORKS, type NetworkId } from '../src-main/core/models/classic.ts';
import { makeLoss } from '../src-main/core/training/losses.ts';
import { option, runPerBackend } from './each-backend.ts';

const here = fileURLToPath(import.meta.url);
const args = process.argv.slice(2);
const BATCH = 32;

interface Row {
  backend: string;
  network: string;
  batch: number;
  msPerStep: number;
  steps: number;
}

async function stepTime(id: NetworkId, budgetMs: number): Promise<{ ms: number; steps: number }> {
  const model = NETWORKS[id].build();
  const [h, w, c] = NETWORKS[id].inputShape;
  const optimizer = tf.train.adam(0.001);
  const loss = makeLoss({ name: 'sparse-categorical-crossentropy' });
  const x = tf.randomUniform([BATCH, h, w, c]);
  const y = tf.tensor1d(
    Array.from({ length: BATCH }, (_, i) => i % 10),
    'int32',
  );
  const vars = model.trainableWeights.map((v) => (v as unknown as { read(): tf.Variable }).read());
  const step = async () => {
    const t = performance.now();
    const cost = optimizer.minimize(() => loss(y, model.apply(x, { training: true }) as tf.Tensor2D), true, vars)!;
    await cost.data();
    cost.dispose();
    return performance.now() - t;
  };
  await step();
  await step();
  const times = [await step()];
  while (times.reduce((a, b) => a + b, 0) < budgetMs && times.length < 50) times.push(await step());
  times.sort((a, b) => a - b);
  tf.dispose([x, y]);
  optimizer.dispose();
  model.dispose();
  return { ms: times[Math.floor(times.length / 2)]!, steps: times.length };
}

async function child(backend: string): Promise<void> {
  await initBackend(backend);
  await ensureTrainable();
  const rows: Row[] = [];
  for (const network of ['fashion-cnn', 'cifar-cnn'] as NetworkId[]) {
    const t = await stepTime(network, backend === 'cpu' ? 30_000 : 10_000);
    rows.push({ backend, network, batch: BATCH, msPerStep: Math.round(t.ms * 10) / 10, steps: t.steps });
  }
  process.stdout.write(JSON.stringify(rows) + '\n');
}

function parent(): void {
  const rows = runPerBackend<Row>(here);
  if (args.includes('--json')) return void console.log(JSON.stringify(rows));
  console.log('| backend | network | batch | ms / step | steps timed |\n|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.backend} | ${r.network} | ${r.batch} | ${r.msPerStep} | ${r.steps} |`);
}

const childBackend = option(args, '--child');
if (childBackend) await child(childBackend);
else parent();
