// What an honest answer adds when the question itself is doubtful: the photo is not of what the
// model knows (a dog-breed model shown no dog), far smaller than the model's input, or far from
// what the model was trained on (a colour photo to a 28x28 grey model). Coded like errors.ts:
// the English message travels with the code and values, the window shows each locale's words
// (renderer locales, `warnings`). Dependency-free, so the renderer can import the codes too.

export const WARNING_CODES = ['not-a-dog', 'small-image', 'colour-to-grey'] as const;
export type WarningCode = (typeof WARNING_CODES)[number];
export type WarningParams = Record<string, string | number>;

export interface RecognizeWarning {
  code: WarningCode;
  /** In English, as the CLI prints it. */
  message: string;
  params: WarningParams;
}

/** Below this share of the base model's probability on the view's classes, the photo is taken not to be one of them. */
export const VIEW_SHARE_THRESHOLD = 0.5;
/** A photo upscaled more than this on a side to reach the model's input is "much smaller". */
export const UPSCALE_LIMIT = 2;
/** Hasler and Süsstrunk's colourfulness above which a photo counts as colour (15 is "slightly colourful"). */
export const COLOURFUL = 15;

const percent = (share: number) => (share < 0.001 ? '<0.1%' : `${(100 * share).toFixed(share < 0.1 ? 1 : 0)}%`);

const ENGLISH: Record<WarningCode, (p: WarningParams) => string> = {
  'not-a-dog': (p) => `Not a dog, as far as the model can tell: only ${p.share} of its ImageNet answer is on dog classes, so the breeds below are guesses.`,
  'small-image': (p) =>
    `The photo is ${p.width}x${p.height} pixels, much smaller than the model's ${p.inputWidth}x${p.inputHeight} input: it was enlarged, and the answer is less reliable.`,
  'colour-to-grey': (p) =>
    `This model was trained on small grey pictures (${p.inputWidth}x${p.inputHeight} grey); a colour photo is far from what it knows, so expect a poor answer.`,
};

export function warning(code: WarningCode, params: WarningParams): RecognizeWarning {
  const shown = typeof params.share === 'number' ? { ...params, share: percent(params.share) } : params;
  return { code, message: ENGLISH[code](shown), params: shown };
}
