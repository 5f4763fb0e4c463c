/** A request to the worker in flight (its result, and how to abort it), and its AbortSignal wiring. */

/** A call in flight: its result, and how to abort it. */
export interface Call<T> {
  result: Promise<T>;
  abort(): void;
}

/** Resolves with the call's result; an abort of `signal` aborts the call in the worker. */
export async function withSignal<T>(call: Call<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return call.result;
  const onAbort = (): void => call.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await call.result;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
