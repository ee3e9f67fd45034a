// The one permission the window gets: the camera (video, never the microphone), for the webcam
// in the Dataset panel, asked by our own pages only. Everything else is refused. Pure, so it is
// tested without Electron.

/** A permission request (getUserMedia and the like): `mediaTypes` is what a media request asks for. */
export function allowRequest(permission: string, url: string, isRenderer: (url: string) => boolean, mediaTypes?: readonly string[]): boolean {
  return permission === 'media' && isRenderer(url) && !!mediaTypes?.length && mediaTypes.every((t) => t === 'video');
}

/** A permission check (Chromium asks before it requests): `mediaType` is the one kind checked. */
export function allowCheck(permission: string, origin: string, isRenderer: (url: string) => boolean, mediaType?: string): boolean {
  return permission === 'media' && mediaType === 'video' && isRenderer(origin);
}
