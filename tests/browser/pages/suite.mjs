// Runs in a page or a module worker: loads qkv from dist/ as a user would,
// exercises the runtime and reports plain data back to the test.

/** The byte sequences of relaxed_dot_i8x16_i7x16_add_s (0xfd 0x113) and relaxed_madd (0xfd 0x105). */
const RELAXED_OPCODES = [[0xfd, 0x93, 0x02], [0xfd, 0x85, 0x02]];

function hasSequence(bytes, sequence) {
  for (let i = 0; i + sequence.length <= bytes.length; i++) {
    if (sequence.every((b, j) => bytes[i + j] === b)) return true;
  }
  return false;
}

/**
 * Plays an engine without relaxed SIMD (Chromium has no switch to turn it
 * off): WebAssembly.validate refuses any module holding a relaxed
 * instruction's opcode, as Firefox's and Safari's engines do.
 */
export function withoutRelaxedSimd() {
  const validate = WebAssembly.validate;
  WebAssembly.validate = (source) => {
    const bytes = source instanceof ArrayBuffer ? new Uint8Array(source) : new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
    return !RELAXED_OPCODES.some((sequence) => hasSequence(bytes, sequence)) && validate(source);
  };
}

/** env.wasm.relaxedSimd from a query value: 'auto', 'true', 'false', or null to leave the default. */
export function relaxedSetting(relaxed) {
  return relaxed === null || relaxed === undefined ? undefined : relaxed === 'auto' ? 'auto' : relaxed === 'true';
}

export async function runSuite({ numThreads, relaxed = null, noRelaxedSimd = false }) {
  if (noRelaxedSimd) withoutRelaxedSimd();
  const warnings = [];
  const originalWarn = console.warn;
  console.warn = (...args) => {
    warnings.push(args.map(String).join(' '));
    originalWarn.apply(console, args);
  };
  const qkv = await import('../../../dist/index.js');
  qkv.env.wasm.numThreads = numThreads;
  const setting = relaxedSetting(relaxed);
  if (setting !== undefined) qkv.env.wasm.relaxedSimd = setting;
  let info;
  try {
    info = await qkv.backendInfo();
  } catch (e) {
    return { startError: { name: e.name, message: e.message, isUnsupported: e instanceof qkv.UnsupportedError }, warnings };
  }

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
