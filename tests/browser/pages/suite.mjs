// Runs in a page or a module worker: loads qkv from dist/ as a user would,
// exercises the runtime and reports plain data back to the test.
export async function runSuite({ numThreads }) {
  const warnings = [];
  const originalWarn = console.warn;
  console.warn = (...args) => {
    warnings.push(args.map(String).join(' '));
    originalWarn.apply(console, args);
  };
  const qkv = await import('../../../dist/index.js');
  qkv.env.wasm.numThreads = numThreads;
  const info = await qkv.backendInfo();

  // softmax of 64 rows against a float64 reference written here
  const rows = 64, cols = 777;
  const x = Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(i * 0.7311) * 9);
  const y = await qkv.softmax(x, { rows });
  let maxRelError = 0;
  for (let r = 0; r < rows; r++) {
    let max = -Infinity, sum = 0;
    for (let c = 0; c < cols; c++) max = Math.max(max, x[r * cols + c]);
    for (let c = 0; c < cols; c++) sum += Math.exp(x[r * cols + c] - max);
    for (let c = 0; c < cols; c++) {
      const ref = Math.exp(x[r * cols + c] - max) / sum;
      maxRelError = Math.max(maxRelError, Math.abs(y[r * cols + c] - ref) / ref);
    }
  }

  let error = null;
  try {
    await qkv.softmax([1, 2, 3], { rows: 2 });
  } catch (e) {
    error = {
      name: e.name,
      message: e.message,
      isError: e instanceof Error,
      isInvalidArgument: e instanceof qkv.InvalidArgumentError,
    };
  }
  const after = Array.from(await qkv.softmax([0, 0]));
  return {
    info,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    maxRelError,
    error,
    after,
    warnings,
  };
}
