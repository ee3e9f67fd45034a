import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src-main/core/backend.ts';
import { loadModel } from '../src-main/core/zoo/load.ts';
import { resolveStorage } from '../src-main/core/paths.ts';
import { foldBatchNorms } from '../src-main/core/models/fold-batch-norms.ts';
await initBackend(process.argv[2] ?? 'wasm');
const storage = resolveStorage({ mirrorDir: path.resolve('../shared/models') });
const { classifier } = await loadModel('mobilenet', { ...storage, offline: true });
const m0 = classifier.model;
const m = await foldBatchNorms(m0);
console.log('layers', m0.layers.length, '->', m.layers.length, m.layers.slice(0,6).map(l=>`${l.getClassName()}:${l.name}:${(l.getConfig() as any).activation}`).join(' '));
const x = tf.randomUniform([2, 224, 224, 3], -1, 1);
const a = m0.predict(x) as tf.Tensor, b = m.predict(x) as tf.Tensor;
console.log('maxdiff', tf.max(tf.abs(tf.sub(a, b))).dataSync()[0], 'argmax', a.argMax(-1).dataSync(), b.argMax(-1).dataSync());
for (const bs of [1, 8]) {
const xi = tf.randomUniform([bs, 224, 224, 3], -1, 1);
for (const [n, mm] of [['plain', m0], ['folded', m]] as const) {
for (let i = 0; i < 3; i++) { const o = mm.predict(xi) as tf.Tensor; await o.data(); o.dispose(); }
const ts: number[] = [];
for (let i = 0; i < 15; i++) { const t = performance.now(); const o = mm.predict(xi) as tf.Tensor; await o.data(); o.dispose(); ts.push(performance.now() - t); }
ts.sort((p, q) => p - q); console.log(n, 'b', bs, (ts[7]! / bs).toFixed(1));
}}
const p = await tf.profile(async () => { const o = m.predict(tf.zeros([1,224,224,3])) as tf.Tensor; await o.data(); o.dispose(); });
const by: Record<string, number> = {};
for (const k of p.kernels) by[k.name] = (by[k.name] ?? 0) + (k.kernelTimeMs as number);
console.log(Object.entries(by).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v.toFixed(1)}`).join('\n'));
