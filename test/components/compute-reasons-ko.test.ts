// @vitest-environment happy-dom
// Why the compute page failed (it fell silent, its GPU was lost, its window closed) reaches a
// Korean user in Korean: the reason travels coded from the page's reply or main's client to the
// log line a training run or a recognition writes, and the window words it. The page is its real
// server (core/compute/port.ts) over Node's MessageChannel, tfjs's cpu standing in for the GPU; the
// stall is main's real watchdog on a page that stops answering (test/page-stall.test.ts's setup).
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PageRoute } from '../../src-main/core/compute/page-route.ts';
import { PageTraining } from '../../src-main/core/compute/page-training.ts';
import { webgpuLost } from '../../src-main/core/compute/gpu-loss.ts';
import { lenet5 } from '../../src-main/core/models/classic.ts';
import { TrainConfig } from '../../src-main/core/training/config.ts';
import { routedFit } from '../../src-main/core/training/routed-fit.ts';
import type { LogLine } from '../../src-main/shared/log-messages.ts';
import type { TrainEvent } from '../../src-main/shared/train-events.ts';
import { bandSet, pageOverChannel, quietHost, routedClassifier, stallablePage } from '../helpers/page-channel.ts';
import { ENGLISH, HANGUL, windowWords } from './window-words.ts';

/** The line in both languages as the window words it; the Korean holds no English sentence. */
async function worded(line: LogLine): Promise<{ ko: string; en: string }> {
  const ko = (await windowWords('ko')).log(line);
  const en = (await windowWords('en')).log(line);
  expect(ko).not.toMatch(ENGLISH);
  expect(en).not.toMatch(HANGUL);
  return { ko, en };
}

const logsOf = (events: TrainEvent[]): LogLine[] => events.flatMap((e) => (e.event === 'log' ? [e] : []));

describe('why the compute page failed, in the user language', () => {
  const train = bandSet(32, 1);
  const validation = bandSet(16, 7);
  const cfg = TrainConfig.parse({ dataset: 'bands', network: 'lenet5', epochs: 2, batchSize: 16, optimizer: { name: 'adam', learningRate: 0.003 } });

  beforeAll(() => tf.setBackend('cpu'));
  afterAll(() => tf.setBackend('cpu'));

  it('a training run whose page stalls: the log line names the silence, with its seconds', async () => {
    const page = stallablePage({ baseMs: 1500, perExampleMs: 20, perMegabyteMs: 60_000 });
    const training = new PageTraining(page.client, () => ({ backend: 'webgl' }));
    const model = lenet5();
    const events: TrainEvent[] = [];
    try {
      const hooks = {
        emit: (e: TrainEvent) => void events.push(e),
        checkpoint: async (_m: tf.LayersModel, _h: unknown, epoch: number) => {
          if (epoch === 1) page.stall();
          return 'm';
        },
      };
      const result = await routedFit(model, train, validation, cfg, 'scale01', hooks, undefined, { backend: 'webgl', link: (call) => training.call('stall', call) }, 'cpu');
      expect(result.fellBack).toBe(true);
      const [line] = logsOf(events);
      expect(line?.code).toBe('compute-train-fell-back');
      // 1.5 s and 20 ms for each of the batch's 16 examples: 1.82 s, said as 2.
      expect(line!.message).toBe(
        'Training went back from webgl to cpu in epoch 2 (the compute page stalled: no answer to session within 2 s); it goes on from the checkpoint of epoch 1',
      );
      const { ko, en } = await worded(line!);
      expect(ko).toBe('에포크 2에서 학습을 webgl에서 cpu(으)로 되돌렸습니다 (계산 창이 2초 안에 session 요청에 답하지 않았습니다). 에포크 1의 체크포인트에서 이어 갑니다');
      expect(en).toBe(line!.message);
    } finally {
      model.dispose();
      page.close();
    }
  });

  it("a run whose WebGPU device is lost before its first epoch: the browser's detail stays, the rest is Korean", async () => {
    const { client, channel } = pageOverChannel(quietHost(() => webgpuLost('unknown')));
    const training = new PageTraining(client, () => ({ backend: 'webgpu' }));
    const model = lenet5();
    const events: TrainEvent[] = [];
    try {
      await routedFit(
        model,
        train,
        validation,
        { ...cfg, epochs: 1 },
        'scale01',
        { emit: (e) => void events.push(e) },
        undefined,
        { backend: 'webgpu', link: (call) => training.call('lost', call) },
        'cpu',
      );
      const [line] = logsOf(events);
      expect(line?.code).toBe('compute-train-fell-back-start');
      expect(line!.reason).toEqual({ code: 'compute-webgpu-lost', params: { detail: 'unknown' } });
      const { ko, en } = await worded(line!);
      expect(ko).toBe('에포크 1에서 학습을 webgpu에서 cpu(으)로 되돌렸습니다 (WebGPU 장치를 잃었습니다 (unknown)). 처음 가중치에서 다시 시작합니다');
      expect(en).toBe('Training went back from webgpu to cpu in epoch 1 (the WebGPU device was lost (unknown)); it starts again from the starting weights');
    } finally {
      model.dispose();
      client.close();
      channel.port2.close();
    }
  });

  const pixels = [new Uint8Array(784).fill(90)];

  it('recognition on a stalled page goes back to Node, saying why in Korean', async () => {
    const page = stallablePage({ baseMs: 1000, perPictureMs: 0, perMegabyteMs: 60_000 });
    const lines: LogLine[] = [];
    const classifier = routedClassifier(new PageRoute(page.client, () => ({ backend: 'webgl' })), lines, 'cpu');
    try {
      expect(await classifier.remote!(pixels)).toHaveLength(1);
      page.stall();
      expect(await classifier.remote!(pixels)).toBeUndefined();
      expect(lines.map((l) => l.code)).toEqual(['compute-recognize-fell-back']);
      const { ko, en } = await worded(lines[0]!);
      expect(ko).toBe('cnn의 인식을 cpu(으)로 되돌렸습니다: 계산 창이 실패했습니다 (계산 창이 1초 안에 recognize 요청에 답하지 않았습니다)');
      expect(en).toBe('Recognition went back to cpu for cnn: the compute window failed (the compute page stalled: no answer to recognize within 1 s)');
    } finally {
      classifier.dispose();
      page.close();
    }
  });

  it('recognition after the compute window went away, and after its client closed', async () => {
    for (const [end, english, korean] of [
      ['window', 'The compute window went away', '계산 창이 닫혔습니다'],
      ['client', 'The compute client was closed', '계산 창과의 연결이 닫혔습니다'],
    ] as const) {
      const { client, channel } = pageOverChannel();
      const lines: LogLine[] = [];
      const classifier = routedClassifier(new PageRoute(client, () => ({ backend: 'webgl' })), lines, 'cpu');
      try {
        // The page's end of the port closes, as when its window is destroyed; or main closes its client.
        if (end === 'window') channel.port2.close();
        else client.close();
        expect(await classifier.remote!(pixels)).toBeUndefined();
        expect(lines).toHaveLength(1);
        const { ko, en } = await worded(lines[0]!);
        expect(ko, end).toBe(`cnn의 인식을 cpu(으)로 되돌렸습니다: 계산 창이 실패했습니다 (${korean})`);
        expect(en, end).toBe(`Recognition went back to cpu for cnn: the compute window failed (${english})`);
      } finally {
        classifier.dispose();
        client.close();
        channel.port2.close();
      }
    }
  });
});
