// The one place the stores subscribe to main's events, in a stated order (importing a store
// subscribes nothing). App.vue calls subscribeStores() when it mounts, before it loads anything,
// so no event is missed, and the unsubscribe when it unmounts.
import { useAppStore } from './app';
import { useDogBreedsStore } from './dog-breeds';
import { useFolderStore } from './folder';
import { useRecognizeStore } from './recognize';
import { useTrainingStore } from './training';
import { useZooStore } from './zoo';

/**
 * Subscribes, in this order: the app store (log lines, the View menu's panel switches), then
 * Recognize (File > Open Image…, download progress), the folder job's progress, and Training
 * (File > Open Dataset Folder…, a run's events), then zoo downloads and the dog-breed build's steps. Each event
 * reaches them in the same order. Returns the unsubscribe of all, which ends them in the reverse order.
 */
export function subscribeStores(): () => void {
  const offs = [
    useAppStore().subscribe(),
    useRecognizeStore().subscribe(),
    useFolderStore().subscribe(),
    useTrainingStore().subscribe(),
    useZooStore().subscribe(),
    useDogBreedsStore().subscribe(),
  ];
  return () => {
    for (const off of offs.reverse()) off();
  };
}
