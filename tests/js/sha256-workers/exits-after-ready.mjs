// A hashing worker that starts, then exits at its first batch, as a crash
// would (tests/js/sha256-background.test.mjs).
import { parentPort } from 'node:worker_threads';

parentPort.on('message', (message) => {
  if (message.type === 'init') parentPort.postMessage({ type: 'ready' });
  else process.exit(3);
});
