/**
 * sentence-transformers' Dense module (EmbeddingGemma's 768 → 3072 → 768
 * projections after the pooling): a folder with config.json
 * ({ in_features, out_features, bias, activation_function }) and
 * model.safetensors holding `linear.weight` [out, in] (and `linear.bias`).
 * Dense computes activation(linear(x)) on the pooled sentence embedding;
 * it is small next to the model, so it runs here on the pooled vectors.
 */
import { FormatError, UnsupportedError } from './errors.js';

/** The activations qkv applies, by the class name sentence-transformers saves. */
const ACTIVATIONS: Record<string, DenseActivation> = {
  'torch.nn.modules.linear.Identity': 'identity',
  'torch.nn.modules.activation.Tanh': 'tanh',
};

export type DenseActivation = 'identity' | 'tanh';

/** What a Dense module is (model.info.embedding.dense); its weights stay with the model. */
export interface DenseInfo {
  /** The module's folder in the repository, e.g. '2_Dense'. */
  readonly path: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly activation: DenseActivation;
}

/** @internal A Dense module with its weights. */
export interface DenseLayer extends DenseInfo {
  /** [outFeatures, inFeatures], row-major. */
  readonly weight: Float32Array;
  readonly bias: Float32Array | undefined;
}

/** The parsed config.json of a Dense folder; `name` is its path for messages. */
export function parseDenseConfig(json: unknown, name: string, path: string): Omit<DenseInfo, 'activation'> & {
  activation: DenseActivation; bias: boolean;
} {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new FormatError(`${name}: expected a JSON object`);
  const fields = json as Record<string, unknown>;
  const size = (key: string): number => {
    const v = fields[key];
    if (!(Number.isSafeInteger(v) && (v as number) >= 1)) {
      throw new FormatError(`${name}: ${key} must be a whole number >= 1, got ${JSON.stringify(v)}`);
    }
    return v as number;
  };
  const inFeatures = size('in_features');
  const outFeatures = size('out_features');
  const bias = fields['bias'] ?? true;
  if (typeof bias !== 'boolean') throw new FormatError(`${name}: bias must be true or false, got ${JSON.stringify(bias)}`);
  // Dense's default activation is Tanh.
  const activationName = fields['activation_function'] ?? 'torch.nn.modules.activation.Tanh';
  const activation = typeof activationName === 'string' ? ACTIVATIONS[activationName] : undefined;
  if (activation === undefined) {
    throw new UnsupportedError(`${name}: activation_function ${JSON.stringify(activationName)} (qkv applies ` +
      `${Object.keys(ACTIVATIONS).join(' and ')})`);
  }
  return { path, inFeatures, outFeatures, activation, bias };
}

const DTYPES: Record<string, number> = { F32: 4, F16: 2, BF16: 2 };

/**
 * The Dense weights from the bytes of its model.safetensors, checked against
 * its config: `linear.weight` [out, in] (and `linear.bias` [out] when bias).
 */
export function denseLayer(config: ReturnType<typeof parseDenseConfig>, bytes: Uint8Array, name: string): DenseLayer {
  const tensors = readSafetensors(bytes, name);
  const tensor = (key: string, shape: number[]): Float32Array => {
    const t = tensors.get(key);
    if (t === undefined) throw new FormatError(`${name}: no tensor "${key}" (a Dense module's weights)`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new FormatError(`${name}: tensor "${key}" has shape [${t.shape.join(', ')}], but ${config.path}/config.json ` +
        `says [${shape.join(', ')}] (in_features ${config.inFeatures}, out_features ${config.outFeatures})`);
    }
    return t.values;
  };
  const weight = tensor('linear.weight', [config.outFeatures, config.inFeatures]);
  const bias = config.bias ? tensor('linear.bias', [config.outFeatures]) : undefined;
  const { path, inFeatures, outFeatures, activation } = config;
  return { path, inFeatures, outFeatures, activation, weight, bias };
}

/** y = activation(W·x + b) for each of `rows` vectors of x (row-major [rows, inFeatures]). */
export function applyDense(layer: DenseLayer, x: Float32Array, rows: number): Float32Array {
  const { inFeatures: n, outFeatures: m, weight, bias } = layer;
  const y = new Float32Array(rows * m);
  for (let r = 0; r < rows; ++r) {
    const xr = x.subarray(r * n, (r + 1) * n);
    for (let o = 0; o < m; ++o) {
      const w = weight.subarray(o * n, (o + 1) * n);
      let sum = 0;
      for (let i = 0; i < n; ++i) sum += w[i]! * xr[i]!;
      if (bias !== undefined) sum += bias[o]!;
      y[r * m + o] = layer.activation === 'tanh' ? Math.tanh(sum) : sum;
    }
  }
  return y;
}

/** torch.nn.functional.normalize of each row: x / max(||x||, 1e-12). */
export function normalizeRows(x: Float32Array, rows: number): void {
  const n = x.length / rows;
  for (let r = 0; r < rows; ++r) {
    const row = x.subarray(r * n, (r + 1) * n);
    let sum = 0;
    for (let i = 0; i < n; ++i) sum += row[i]! * row[i]!;
    const scale = 1 / Math.max(Math.sqrt(sum), 1e-12);
    for (let i = 0; i < n; ++i) row[i] = row[i]! * scale;
  }
}

interface Tensor { shape: number[]; values: Float32Array }

/** A small safetensors file's tensors as f32 (F32, F16 and BF16). */
function readSafetensors(bytes: Uint8Array, name: string): Map<string, Tensor> {
  if (bytes.length < 8) throw new FormatError(`${name}: too short for a safetensors file (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > bytes.length - 8) throw new FormatError(`${name}: the safetensors header runs past the file's end`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch {
    throw new FormatError(`${name}: the safetensors header is not valid JSON`);
  }
  if (typeof header !== 'object' || header === null) throw new FormatError(`${name}: the safetensors header is not an object`);
  const data = bytes.subarray(8 + headerLength);
  const out = new Map<string, Tensor>();
  for (const [key, entry] of Object.entries(header as Record<string, unknown>)) {
    if (key === '__metadata__') continue;
    const { dtype, shape, data_offsets: offsets } = (entry ?? {}) as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const width = typeof dtype === 'string' ? DTYPES[dtype] : undefined;
    if (width === undefined) throw new UnsupportedError(`${name}: tensor "${key}" has dtype ${JSON.stringify(dtype)}; qkv reads F32, F16 and BF16`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0) ||
      !Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o))) {
      throw new FormatError(`${name}: tensor "${key}" needs a shape and data_offsets`);
    }
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    const [begin, end] = offsets as [number, number];
    if (begin < 0 || end > data.length || end - begin !== count * width) {
      throw new FormatError(`${name}: tensor "${key}" spans bytes [${begin}, ${end}) of ${data.length}, not ${count} ${dtype} values`);
    }
    const raw = new DataView(data.buffer, data.byteOffset + begin, end - begin);
    const values = new Float32Array(count);
    for (let i = 0; i < count; ++i) {
      if (dtype === 'F32') values[i] = raw.getFloat32(i * 4, true);
      else if (dtype === 'BF16') values[i] = bf16(raw.getUint16(i * 2, true));
      else values[i] = f16(raw.getUint16(i * 2, true));
    }
    out.set(key, { shape: shape as number[], values });
  }
  return out;
}

function bf16(bits: number): number {
  const v = new DataView(new ArrayBuffer(4));
  v.setUint32(0, bits << 16);
  return v.getFloat32(0);
}

function f16(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}
