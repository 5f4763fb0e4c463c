// Running fuzz cases in a worker thread under a watchdog, so that a case that never returns (a
// synchronous loop, which no test timeout can interrupt) fails the suite naming the case instead of
// stalling it. The worker side calls serveFuzzCases(run), whose run(workerData, progress) calls
// progress(i) before case i and returns its statistics; the test calls runWatched(url, workerData).
import { parentPort, Worker } from 'node:worker_threads';

/** In the worker: runs `run` and reports its result, or the failing case's message. */
export function serveFuzzCases(run, workerData) {
  try {
    parentPort.postMessage({ done: run(workerData, (i) => parentPort.postMessage({ progress: i })) });
  } catch (e) {
    parentPort.postMessage({ failed: e.message.startsWith('case ') ? e.message : `harness: ${e.stack}` });
  }
}

/** Runs the module at `url` as a worker; rejects when a case fails or makes no progress for `hangMs`. */
export function runWatched(url, workerData, { hangMs, seed }) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(url, { workerData });
    let last = -1;
    let lastAt = performance.now();
    const watchdog = setInterval(() => {
      if (performance.now() - lastAt > hangMs) {
        clearInterval(watchdog);
        worker.terminate();
        reject(new Error(`case ${last} (QKV_FUZZ_SEED=${seed}) ran for more than ${hangMs / 1000} s: a hang`));
      }
    }, 250);
    worker.on('message', (m) => {
      if ('progress' in m) {
        last = m.progress;
        lastAt = performance.now();
      } else {
        clearInterval(watchdog);
        worker.terminate();
        if (m.failed) reject(new Error(m.failed)); else resolve(m.done);
      }
    });
    worker.on('error', (e) => {
      clearInterval(watchdog);
      reject(e);
    });
  });
}
