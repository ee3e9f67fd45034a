#!/usr/bin/env node
// Runs the CLI straight from the TypeScript source, so `npx classifier-studio` works in a
// fresh clone right after `npm install`, with no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src-main/cli/main.ts');
