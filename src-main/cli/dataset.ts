// classifier-studio dataset: one's own dataset, a folder of class folders the images are
// copied into (`datasets`, plural, is the built-in ones).
import type { Command } from 'commander';
import type { AddOutcome } from '../core/datasets/own/add.ts';
import { studioOf } from './options.ts';

/** Only the dataset folder named on the command line is used: no storage options apply. */
const datasets = () => studioOf({}).datasets;

function describeAdded(o: AddOutcome): string {
  if (o.status === 'added') return `${o.file}: added as ${o.stored}`;
  if (o.status === 'present') return `${o.file}: already there as ${o.stored}`;
  return `error: ${o.error}`;
}

export function registerDataset(program: Command): void {
  const dataset = program.command('dataset').description('your own dataset: a folder of class folders (DATASET/<class>/<image>) that train and transfer read as it is');

  dataset
    .command('show <dir>')
    .description('the classes and how many images each has')
    .option('--json', 'one object: {"classes":[{"name":"dog","count":15},...],"images":30}')
    .action(async (dir: string, o: { json?: boolean }) => {
      const s = await datasets().show(dir);
      if (o.json) return console.log(JSON.stringify({ classes: s.classes.map(({ name, count }) => ({ name, count })), images: s.images }));
      const width = Math.max(5, ...s.classes.map((c) => c.name.length));
      for (const c of s.classes) console.log(`${c.name.padEnd(width)}  ${String(c.count).padStart(6)}`);
      console.log(`${s.images} images in ${s.classes.length} classes`);
    });

  dataset
    .command('add <dir> <class> <images...>')
    .description('copy images into a class (both folders made when missing); each is checked first and stored once, by its content')
    .option('--json', 'one JSON object per line per image: {"file":...,"status":"added"|"present"|"refused",...}')
    .action(async (dir: string, cls: string, files: string[], o: { json?: boolean }) => {
      const outcomes = await datasets().addPaths(dir, cls, files, (r) =>
        o.json ? console.log(JSON.stringify(r)) : r.status === 'refused' ? console.error(describeAdded(r)) : console.log(describeAdded(r)),
      );
      const count = (s: AddOutcome['status']) => outcomes.filter((r) => r.status === s).length;
      if (!o.json) console.error(`${count('added')} added, ${count('present')} already there, ${count('refused')} refused`);
      process.exitCode = count('refused') ? 1 : 0;
    });

  dataset
    .command('rm <dir> <images...>')
    .description('delete images from the dataset: <class>/<file>, a path into it, or a file name found in one class')
    .option('--json', 'one JSON object per line per image')
    .action(async (dir: string, refs: string[], o: { json?: boolean }) => {
      const outcomes = await datasets().removeByReference(dir, refs);
      for (const r of outcomes) {
        if (o.json) console.log(JSON.stringify(r));
        else if (r.status === 'removed') console.log(`removed ${r.stored}`);
        else console.error(`error: ${r.error}`);
      }
      process.exitCode = outcomes.some((r) => r.status === 'refused') ? 1 : 0;
    });

  dataset
    .command('mv <dir> <image> <class>')
    .description('move a image to another class (made when missing)')
    .option('--json', 'the outcome as one JSON line: {"from":"cat/x.jpg","stored":"dog/x.jpg"}')
    .action(async (dir: string, ref: string, cls: string, o: { json?: boolean }) => {
      const r = await datasets().moveByReference(dir, ref, cls);
      console.log(o.json ? JSON.stringify(r) : r.from === r.stored ? `${r.stored}: already in ${cls}` : `moved ${r.from} to ${r.stored}`);
    });

  dataset
    .command('add-class <dir> <class>')
    .description('make an empty class')
    .action(async (dir: string, cls: string) => datasets().createClass(dir, cls));

  dataset
    .command('mv-class <dir> <class> <new-name>')
    .description('rename a class')
    .action(async (dir: string, from: string, to: string) => datasets().renameClass(dir, from, to));

  dataset
    .command('rm-class <dir> <class>')
    .description('delete a class; one that has images only with --force')
    .option('--force', 'also when it has images (they are deleted with it)')
    .action(async (dir: string, cls: string, o: { force?: boolean }) => {
      const removed = await datasets().deleteClass(dir, cls, { force: Boolean(o.force) });
      console.log(`deleted ${cls}${removed ? ` and its ${removed} images` : ''}`);
    });
}
