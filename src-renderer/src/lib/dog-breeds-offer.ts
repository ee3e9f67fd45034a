// The dog-breed model as the model picker offers it before it exists: its name, and what
// building it costs (from main's plan, which the build card loads once the entry is chosen).
import { computed, type ComputedRef } from 'vue';
import { useI18n } from 'vue-i18n';
import { DOG_BREEDS_MODEL } from '../../../src-main/shared/vocabulary';
import { useDogBreedsStore } from '../stores/dog-breeds';
import { aboutTime } from './dog-breeds-text';
import { bytes } from './format';

/** A model not made yet that the window can build: its name, and what building it costs. */
export interface BuildableModel {
  id: string;
  name: string;
  hint: string;
}

export function useDogBreedsOffer(): ComputedRef<BuildableModel[]> {
  const store = useDogBreedsStore();
  const { t } = useI18n();
  return computed(() => {
    const p = store.plan;
    const classes = p?.classes || 120;
    const cost = p
      ? [p.downloadBytes ? bytes(p.downloadBytes) : '', t('dogBreeds.pickerPhotos', { n: p.photos.toLocaleString() }), p.estimate ? aboutTime(t, p.estimate.seconds) : '']
          .filter(Boolean)
          .join(' · ')
      : '';
    return [{ id: DOG_BREEDS_MODEL, name: t('dogBreeds.pickerName'), hint: t('dogBreeds.pickerHint', { classes, cost }) }];
  });
}
