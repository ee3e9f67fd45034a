// @vitest-environment happy-dom
// The training log and the log bar speak the user's language: main sends coded lines
// (src-main/shared/log-messages.ts) with their English, and the window words them from its
// locale files, a coded error inside a line too. The English that came is the fallback.
import { flushPromises, mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import type { StudioEvent } from '../../src-main/contract.ts';
import { CodedError } from '../../src-main/shared/errors.ts';
import { LOG_WORDS, logFailure, logLine, word, type LogCode } from '../../src-main/shared/log-messages.ts';
import { makeI18n } from '../../src-renderer/src/i18n.ts';
import App from '../../src-renderer/src/App.vue';
import TrainingPanel from '../../src-renderer/src/components/TrainingPanel.vue';
import { useAppStore } from '../../src-renderer/src/stores/app.ts';
import { useTrainingStore } from '../../src-renderer/src/stores/training.ts';
import { fakeApi, plugins } from './setup.ts';

const HANGUL = /[\uac00-\ud7a3]/;
const time = '2024-01-01T10:20:30Z';

function eventApi() {
  const listeners = new Set<(e: StudioEvent) => void>();
  fakeApi({
    onEvent: (l) => (listeners.add(l), () => listeners.delete(l)),
    appInfo: async () => ({ version: '0', versions: {}, backend: 'cpu', skipped: [], storeDir: '/store' }),
    listModels: async () => [],
    startTraining: async () => undefined,
  });
  return (e: StudioEvent) => listeners.forEach((l) => l(e));
}

describe('log lines in the user language', () => {
  it('the Training panel writes its log in Korean, from the run events and from main', async () => {
    const send = eventApi();
    const p = plugins('ko');
    const w = mount(TrainingPanel, { ...p, global: { ...p.global, stubs: { CurveChart: true, EvaluationPanel: true, AugmentPreview: true, RunCurves: true } } });
    const training = useTrainingStore(p.pinia);
    training.subscribe();
    await training.start();
    const runId = training.runId;
    const ev = (event: Extract<StudioEvent, { type: 'training' }>['event']) => send({ type: 'training', runId, event });
    ev({ event: 'log', ...logLine('held-out', { dataset: 'pets', count: 12, percent: 20, min: 5 }) });
    ev({ event: 'log', ...logLine('skipped-file', { file: 'cat 3.jpg', reason: 'not an image' }) });
    ev({ event: 'epoch', epoch: 1, loss: 0.5, accuracy: 0.75, val_loss: 0.6, val_accuracy: 0.7, lr: 0.001, seconds: 3.25 });
    ev({ event: 'checkpoint', epoch: 1, monitor: 'val_loss', value: 0.6, model: 'pets-1' });
    ev({ event: 'early-stop', epoch: 4, bestEpoch: 2 });
    await flushPromises();
    const lines = w.find('[data-testid="training-log"]').text().split('\n');
    expect(lines).toEqual([
      'pets에 test/ 폴더가 없습니다: 이미지 12개(이미지가 5개 이상인 클래스마다 20%, 파일 이름으로 선택)를 테스트 세트로 떼어 둡니다',
      'cat 3.jpg 건너뜀: not an image',
      '에포크 1: 손실 0.5000, 정확도 0.7500, 검증 손실 0.6000, 검증 정확도 0.7000 (3.3초)',
      '체크포인트: 에포크 1, val_loss 0.6000 → pets-1',
      '에포크 4에서 조기 종료 (최고 에포크 2)',
    ]);
    // The same lines in English, as they were before they were coded.
    w.unmount();
    const en = plugins('en');
    useTrainingStore(en.pinia).run = training.run;
    const w2 = mount(TrainingPanel, { ...en, global: { ...en.global, stubs: { CurveChart: true, EvaluationPanel: true, AugmentPreview: true, RunCurves: true } } });
    expect(w2.find('[data-testid="training-log"]').text().split('\n').slice(1, 3)).toEqual([
      'skipped cat 3.jpg: not an image',
      'epoch 1: loss 0.5000, accuracy 0.7500, val_loss 0.6000, val_accuracy 0.7000 (3.3 s)',
    ]);
  });

  it("words the app's own words inside a line (a split, where files came from) in Korean, the user's names as they are", async () => {
    const send = eventApi();
    const p = plugins('ko');
    const w = mount(TrainingPanel, { ...p, global: { ...p.global, stubs: { CurveChart: true, EvaluationPanel: true, AugmentPreview: true, RunCurves: true } } });
    const training = useTrainingStore(p.pinia);
    training.subscribe();
    await training.start();
    const ev = (event: Extract<StudioEvent, { type: 'training' }>['event']) => send({ type: 'training', runId: training.runId, event });
    const ready = logLine('dog-breeds-ready', { source: word('mirror'), train: 12000, test: 8580, breeds: 120 });
    // The CLI's English is as it was before the words were coded.
    expect(ready.message).toBe('Stanford Dogs (mirror): 12000 training and 8580 test photos of 120 breeds, the official split');
    ev({ event: 'log', ...ready });
    ev({ event: 'log', ...logLine('features-done', { split: word('validation'), count: 40, computed: 30, backbone: 'mobilenet', cached: 10 }) });
    ev({ event: 'log', ...logLine('features-stopped', { split: word('train') }) });
    ev({ event: 'log', ...logLine('held-out', { dataset: 'train', count: 3, percent: 20, min: 5 }) });
    await flushPromises();
    const lines = w.find('[data-testid="training-log"]').text().split('\n');
    expect(lines).toEqual([
      'Stanford Dogs(출처: 오프라인 미러): 견종 120개의 학습 사진 12000장과 테스트 사진 8580장, 공식 분할',
      '검증: 이미지 40개의 특징, mobilenet이(가) 30개 계산, 캐시에서 10개',
      '학습 사진의 특징을 계산하는 중에 멈췄습니다. 지금까지 계산한 것은 캐시에 있으므로 다음 실행은 거기서 이어집니다',
      // A folder the user named "train" is their name, not the app's word.
      'train에 test/ 폴더가 없습니다: 이미지 3개(이미지가 5개 이상인 클래스마다 20%, 파일 이름으로 선택)를 테스트 세트로 떼어 둡니다',
    ]);
    for (const [i, l] of lines.slice(0, 3).entries()) expect(l, `line ${i}`).not.toMatch(/\b(mirror|cache|download|train|validation|test)\b/);
  });

  it('has Korean for every word of the vocabulary, none of them the English', () => {
    const { t } = makeI18n('ko').global;
    for (const w of LOG_WORDS) expect(HANGUL.test(t(`logWords.${w}`)), w).toBe(true);
  });

  it("names main's loading stages in Korean, one it does not know as it came", async () => {
    const send = eventApi();
    const p = plugins('ko');
    const w = mount(TrainingPanel, { ...p, global: { ...p.global, stubs: { CurveChart: true, EvaluationPanel: true, AugmentPreview: true, RunCurves: true } } });
    const training = useTrainingStore(p.pinia);
    training.subscribe();
    await training.start();
    const stage = async (name: string) => {
      send({ type: 'training', runId: training.runId, event: { event: 'dataset', stage: name, done: 1, total: 4 } });
      await flushPromises();
      return w.find('.progress-row span').text();
    };
    expect(await stage('features (train)')).toBe('특징 계산 중 (학습)');
    expect(await stage('activations (validation)')).toBe('활성값 계산 중 (검증)');
    expect(await stage('download')).toBe('데이터셋 내려받는 중');
    expect(await stage('download Stanford Dogs')).toBe('데이터셋 내려받는 중');
    expect(await stage('read')).toBe('이미지 읽는 중');
    expect(await stage('something new')).toBe('something new 불러오는 중');
  });

  it('the log bar words main lines in Korean, a coded reason inside them too', async () => {
    const send = eventApi();
    const p = plugins('ko');
    const w = mount(App, { ...p, global: { ...p.global, stubs: { RecognizePanel: true, FolderPanel: true, DatasetPanel: true, TrainingPanel: true, ModelsPanel: true } } });
    await flushPromises();
    send({ type: 'log', level: 'info', ...logLine('training-started', { network: 'lenet5', dataset: 'mnist' }), time });
    send({ type: 'log', level: 'info', ...logLine('model-loaded-via', { model: 'mobilenet', via: word('cache'), file: 'model.json' }), time });
    const err = new CodedError('model-busy', 'The model "x" is in use (being trained).', { name: 'x', purpose: 'trained' });
    send({ type: 'log', level: 'error', ...logFailure('training-failed', {}, err), time });
    await flushPromises();
    expect(useAppStore(p.pinia).log).toHaveLength(3);
    expect(w.find('.last-log').text()).toBe('학습 실패: "x" 모델을 지금 다른 작업이 사용 중입니다. 끝날 때까지 기다리거나 먼저 멈추세요.');
    await w.find('[data-testid="log-toggle"]').trigger('click');
    expect(w.find('[data-testid="log-drawer"]').text()).toContain('10:20:30 mnist에서 lenet5 학습 시작');
    expect(w.find('[data-testid="log-drawer"]').text()).toContain('mobilenet을(를) 불러왔습니다(캐시): model.json');
    // A line of a code this window does not know (a newer main) shows the English that came.
    send({ type: 'log', level: 'info', code: 'no-such-code' as LogCode, params: {}, message: 'something new', time });
    await flushPromises();
    expect(w.find('.last-log').text()).toBe('something new');
    expect(HANGUL.test(w.find('[data-testid="log-drawer"]').text())).toBe(true);
  });
});
