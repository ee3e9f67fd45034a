// Worker bootstrap for running TypeScript sources: registers tsx, then loads the entry.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
