// The webcam, shared by capture (pictures into a class) and Test mode's Live (answers on frames):
// open a camera into a <video>, grab its middle square as MobileNet sees it, stop it.
import type { NamedBytes } from '../../../src-main/contract';

/** MobileNet's input: a larger frame only costs bytes. */
export const FRAME_SIDE = 224;

/** A camera stream (video only); throws with the browser's reason when there is none. */
export function openCamera(): Promise<MediaStream> {
  return navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 480 } }, audio: false });
}

/** Plays `stream` in `video` (shown by then: a hidden one may not play); a stream that cannot play is stopped. */
export async function showCamera(video: HTMLVideoElement | null, stream: MediaStream): Promise<void> {
  if (!video) return;
  video.srcObject = stream;
  try {
    await video.play();
  } catch (err) {
    stopCamera(stream, video);
    throw err;
  }
}

export function stopCamera(stream: MediaStream | null, video?: HTMLVideoElement | null): void {
  stream?.getTracks().forEach((tr) => tr.stop());
  if (video) video.srcObject = null;
}

/** The middle square of the frame now showing, in JPEG, named `name`; null before the first frame. */
export function grabFrame(video: HTMLVideoElement | null, name: string, side = FRAME_SIDE): Promise<NamedBytes | null> {
  if (!video || !video.videoWidth) return Promise.resolve(null);
  const square = Math.min(video.videoWidth, video.videoHeight);
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = side;
  canvas.getContext('2d')!.drawImage(video, (video.videoWidth - square) / 2, (video.videoHeight - square) / 2, square, square, 0, 0, side, side);
  return new Promise((resolve) =>
    canvas.toBlob(
      async (blob) => {
        resolve(blob ? { name, data: new Uint8Array(await blob.arrayBuffer()) } : null);
      },
      'image/jpeg',
      0.9,
    ),
  );
}
