// The page's side of the engine worker: request() posts a message and returns
// a promise for its result; events (progress, tokens) go to a callback.
export class Engine {
  constructor(workerUrl) {
    this.worker = new Worker(workerUrl, { type: 'module' });
    this.pending = new Map();
    this.nextId = 1;
    this.onWarning = () => {};
    this.worker.onmessage = ({ data }) => this.receive(data);
    this.worker.onerror = (e) => {
      e.preventDefault();
      this.failAll(new Error(`the engine worker failed: ${e.message || 'it could not start'}`));
    };
  }

  /** Sends { type, ...args }; onEvent gets each event; resolves with the result. */
  request(type, args = {}, onEvent = () => {}) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onEvent });
      this.worker.postMessage({ id, type, ...args });
    });
  }

  /** Aborts the load or generation in progress; its request then fails with an AbortError (load) or resolves stopped (generate). */
  stop() {
    return this.request('stop');
  }

  receive({ id, kind, ...data }) {
    if (kind === 'warning') {
      this.onWarning(data.text);
      return;
    }
    const call = this.pending.get(id);
    if (call === undefined) return;
    if (kind === 'event') {
      call.onEvent(data);
      return;
    }
    this.pending.delete(id);
    if (kind === 'result') call.resolve(data);
    else call.reject(Object.assign(new Error(data.message), { name: data.name }));
  }

  failAll(error) {
    for (const call of this.pending.values()) call.reject(error);
    this.pending.clear();
  }
}
