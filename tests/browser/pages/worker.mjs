import { runSuite } from './suite.mjs';

self.onmessage = async (event) => {
  try {
    self.postMessage(await runSuite(event.data));
  } catch (e) {
    self.postMessage({ failed: `${e?.name}: ${e?.message}` });
  }
};
