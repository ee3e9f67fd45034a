// A LeNet-5 (untrained: its layers and parameters are what the tests look at) saved in a model
// store as training would, so the app treats it as a model trained here.
import { initBackend } from '../../src-main/core/backend.ts';
import { NETWORKS } from '../../src-main/core/models/classic.ts';
import { ModelStore } from '../../src-main/core/store/model-store.ts';

export async function storeLenet(storeDir: string, name = 'digits'): Promise<void> {
  // This process's own TensorFlow.js: a studio started just before may still be setting its backend up.
  await initBackend();
  const store = new ModelStore(storeDir);
  const net = NETWORKS.lenet5.build();
  const now = new Date().toISOString();
  try {
    await store.withReservation(name, 'saved', 'refuse', (held) =>
      store.save(
        net,
        {
          name,
          network: 'lenet5',
          labels: Array.from({ length: 10 }, (_, i) => String(i)),
          inputSize: [28, 28],
          channels: 1,
          preprocessing: 'scale01',
          resize: 'area',
          invertLightBackground: true,
          dataset: { name: 'mnist' },
          history: [],
          status: 'complete',
          createdAt: now,
          updatedAt: now,
        },
        held,
      ),
    );
  } finally {
    net.dispose();
  }
}
