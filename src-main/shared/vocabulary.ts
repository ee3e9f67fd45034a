// The app's one list of each thing it names: built-in datasets, networks, optimizers, and what
// follows from them (a network's input and size, a dataset's course network, the augmentation
// the app and the CLI turn on). Dependency-free, so the renderer derives its options from it too.

export const BUILT_IN_DATASETS = ['mnist', 'fashion-mnist', 'cifar10'] as const;
export type BuiltInDataset = (typeof BUILT_IN_DATASETS)[number];
export const isBuiltInDataset = (d: string): d is BuiltInDataset => (BUILT_IN_DATASETS as readonly string[]).includes(d);

/** Light strokes on black: photos given to their models are inverted if light, and never mirrored in training. */
export const DARK_BACKGROUND_DATASETS: readonly BuiltInDataset[] = ['mnist', 'fashion-mnist'];

/** The classic CNNs of the course, with their input and parameter count as Keras's summary gives them. */
export const CLASSIC_NETWORKS = {
  lenet5: { inputShape: [28, 28, 1], params: 61_706 },
  'fashion-cnn': { inputShape: [28, 28, 1], params: 333_526 },
  'cifar-cnn': { inputShape: [32, 32, 3], params: 890_410 },
  'mnist-cnn': { inputShape: [28, 28, 1], params: 1_199_882 },
} as const satisfies Record<string, { inputShape: readonly [number, number, number]; params: number }>;
export type ClassicNetworkId = keyof typeof CLASSIC_NETWORKS;

/**
 * Transfer learning: a head on a frozen zoo backbone, over its pooled features. Fine-tuning then
 * trains the last `fineTuneLayers` layers with weights too (core/transfer/split.ts), at about
 * `fineTuneMs` a training photo an epoch on wasm: measured for MobileNet (BENCHMARKS.md, issue
 * 16, a shared 2-core machine); for ResNet50 scaled by the multiply-adds of its last block (5x
 * MobileNet's top), not measured (its weights were not at hand).
 */
export const TRANSFER_NETWORKS = {
  'transfer-mobilenet': { backbone: 'mobilenet', inputSize: 224, features: 768, fineTuneLayers: 3, fineTuneMs: 30 },
  'transfer-resnet50': { backbone: 'resnet50', inputSize: 224, features: 2048, fineTuneLayers: 3, fineTuneMs: 150 },
} as const;
export type TransferNetworkId = keyof typeof TRANSFER_NETWORKS;

export const NETWORKS = [...(Object.keys(CLASSIC_NETWORKS) as ClassicNetworkId[]), ...(Object.keys(TRANSFER_NETWORKS) as TransferNetworkId[])] as [
  ClassicNetworkId | TransferNetworkId,
  ...(ClassicNetworkId | TransferNetworkId)[],
];
export const isTransferNetwork = (n: string): n is TransferNetworkId => Object.hasOwn(TRANSFER_NETWORKS, n);

/** The course's network for each built-in dataset. */
export const NETWORK_FOR_DATASET: Record<BuiltInDataset, ClassicNetworkId> = { mnist: 'lenet5', 'fashion-mnist': 'fashion-cnn', cifar10: 'cifar-cnn' };

/**
 * How a photo is fitted to a model's input (`--resize` in the CLI, `fit` in a model's metadata):
 * 'crop' resizes the shorter side to the input and cuts out the centre, as ImageNet models were
 * evaluated (MobileNet: 91.5% top-1 on the dev photos); 'squash' resizes straight to the input,
 * changing the proportions, as Keras load_img(target_size) does (82.5%).
 */
export const PHOTO_FITS = ['crop', 'squash'] as const;
export type PhotoFit = (typeof PHOTO_FITS)[number];
/** What a stored model that does not say was trained with. */
export const LEGACY_FIT: PhotoFit = 'squash';

export const OPTIMIZERS = ['adam', 'sgd', 'rmsprop', 'adagrad'] as const;

/** A classic run's settings when none are given: the same in the app's form, the CLI and the core. */
export const TRAINING_DEFAULTS = { epochs: 20, batchSize: 32, validationSplit: 0.2 } as const;

/** What "augment" turns on, in the app and the CLI alike: small shifts, turns and zooms; mirror images for photos only. */
export function augmentPreset(dataset: string) {
  const mirror = !(DARK_BACKGROUND_DATASETS as readonly string[]).includes(dataset);
  return { rotationRange: 10, widthShiftRange: 0.1, heightShiftRange: 0.1, zoomRange: 0.1, horizontalFlip: mirror };
}

/** The model `models build dog-breeds` makes from Stanford Dogs, and the zoo view that answers for it until it exists. */
export const DOG_BREEDS_MODEL = 'dog-breeds';
export const DOG_BREEDS_FALLBACK = 'dog-breeds-imagenet';

/** The forms a model is exported in and imported from: a Keras 3 .keras file, a Keras 2 .h5 file, a TensorFlow.js folder. */
export const MODEL_FILE_KINDS = ['keras', 'h5', 'tfjs'] as const;
export type ModelFileKind = (typeof MODEL_FILE_KINDS)[number];
