// How a model wants its pixels: 'tf' (x/127.5 - 1), 'caffe' (BGR minus the ImageNet mean),
// 'scale01' (x/255) or 'none'; the catalogue, the store and the importers all name it this way.
import { z } from 'zod';

export const Preprocessing = z.enum(['tf', 'caffe', 'scale01', 'none']);
export type Preprocessing = z.infer<typeof Preprocessing>;
