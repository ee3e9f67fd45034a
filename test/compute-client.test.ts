// The main side's compute client against the page's real server (core/compute/port.ts) over Node's
// MessageChannel: the protocol both ends speak, answers in order, a page error as a rejection, and
// the page going away. A training session over it: train-session.test.ts.
import { MessageChannel } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src-main/core/backend.ts';
import { ComputeClient } from '../src-main/core/compute/client.ts';
import { serveCompute, type PageHost, type Port } from '../src-main/core/compute/port.ts';
import { NEVER_LOST } from '../src-main/core/compute/gpu-loss.ts';
import { asMainPort } from './helpers/page-channel.ts';

/** A page whose "GPU" is tfjs's cpu backend, and whose wasm is Node's. */
const fakePage: PageHost = {
  probe: async () => [{ backend: 'webgl', available: true, adapter: { name: 'test GPU (tfjs cpu)', software: false } }],
  use: async (backend) => {
    if (!(await tf.setBackend(backend === 'wasm' ? 'wasm' : 'cpu'))) throw new Error(`no ${backend}`);
  },
  watch: () => NEVER_LOST,
};

describe('the compute client over a MessageChannel', () => {
  let channel: MessageChannel;
  let client: ComputeClient;

  beforeAll(async () => {
    await initBackend('wasm');
    channel = new MessageChannel();
    serveCompute(channel.port2 as unknown as Port, fakePage);
    client = new ComputeClient(asMainPort(channel.port1));
  });
  afterAll(async () => {
    client.close();
    channel.port2.close();
    await tf.setBackend('wasm');
  });

  it('asks and gets answers in order; a page error comes back as a rejection', async () => {
    expect(await client.probe()).toEqual([{ backend: 'webgl', available: true, adapter: { name: 'test GPU (tfjs cpu)', software: false } }]);
    await client.use('webgl');
    await expect(client.weights('nothing')).rejects.toThrow('No model "nothing" is loaded in the compute page');
    // Asked together, each gets its own answer: replies carry their request's id.
    const [models, missing, probes] = await Promise.allSettled([client.models(), client.weights('other'), client.probe()]);
    expect(models).toEqual({ status: 'fulfilled', value: [] });
    expect(missing).toMatchObject({ status: 'rejected', reason: { message: 'No model "other" is loaded in the compute page' } });
    expect(probes).toMatchObject({ status: 'fulfilled', value: [{ backend: 'webgl' }] });
  });

  it('rejects what is waiting when the page goes away, and anything asked after', async () => {
    const ch = new MessageChannel();
    const lonely = new ComputeClient(asMainPort(ch.port1));
    const pending = lonely.probe(); // nobody serves port2
    ch.port2.close();
    await expect(pending).rejects.toThrow('The compute window went away');
    await expect(lonely.probe()).rejects.toThrow('The compute window went away');
  });
});
