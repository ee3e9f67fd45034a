// The fuzzers of test/fuzz.test.ts, ten times longer (or --scale N): how many mutated files each
// reader read or refused, and every case that broke the rule (an error that does not name the
// file, a non-Error, a hang), with the most common refusal messages.
//   node bin/run-ts.js bench/fuzz.ts [--scale 10] [--seed 20262125] [--only image|idx|cifar|hdf5] [--json]
import { initBackend } from '../src-main/core/backend.ts';
import { fuzzCifar, fuzzIdxBuffers, fuzzIdxFiles, fuzzImageDecoder, fuzzKerasH5, type FuzzReport } from '../test/helpers/fuzz.ts';
import { option } from './each-backend.ts';

const args = process.argv.slice(2);
const scale = Number(option(args, '--scale') ?? 10);
// Not the test's seed (20261125): the bench's cases are new ground, not the test's again.
const seed = Number(option(args, '--seed') ?? 20262125);

await initBackend();
// The test's case counts (HDF5: the benchmark's 200, the test runs 50), times the scale; fuzzer i gets seed + i.
const plan: [string, (n: number, seed: number) => Promise<FuzzReport>, number][] = [
  ['image', fuzzImageDecoder, 1500],
  ['idx', fuzzIdxBuffers, 3000],
  ['idx', fuzzIdxFiles, 150],
  ['cifar', fuzzCifar, 300],
  ['hdf5', fuzzKerasH5, 200],
];
const only = option(args, '--only');
const reports: FuzzReport[] = [];
for (const [i, [id, run, cases]] of plan.entries()) {
  if (only && id !== only) continue;
  const r = await run(cases * scale, seed + i);
  console.error(`${r.reader}: ${r.read} read, ${r.refused} refused, ${r.problems.length} problems of ${r.cases} in ${r.seconds.toFixed(1)} s`);
  reports.push(r);
}

if (args.includes('--json')) {
  console.log(JSON.stringify(reports));
} else {
  console.log('| reader | cases | read | refused, error names the file | problems (unclear error, non-Error, hang) | seconds |\n|---|---|---|---|---|---|');
  for (const r of reports) console.log(`| ${r.reader} | ${r.cases} | ${r.read} | ${r.refused} | ${r.problems.length} | ${r.seconds.toFixed(1)} |`);
  for (const r of reports) {
    console.log(`\n${r.reader}: ${r.messages.length} distinct refusals${r.messages.length > 8 ? '; the 8 most common' : ''}:`);
    for (const [m, n] of r.messages.slice(0, 8)) console.log(`- ${n} x \`${m.length > 160 ? `${m.slice(0, 160)}...` : m}\``);
    for (const p of r.problems) console.log(`- PROBLEM ${p}`);
  }
}
process.exitCode = reports.some((r) => r.problems.length) ? 1 : 0;
