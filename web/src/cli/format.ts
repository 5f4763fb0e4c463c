/** Number and error formatting shared by the CLI's commands. Decimal units, as file managers and `ls -h --si` show sizes. */
import { QkvError, type BackendInfo } from '../index.js';

export function formatBytes(bytes: number): string {
  if (bytes < 1e3) return `${bytes} B`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`;
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${(bytes / 1e9).toFixed(2)} GB`;
}

/** 4170048 -> '4.17M', 124439808 -> '124M'. */
export function formatCount(n: number): string {
  if (n < 1e3) return String(n);
  const [value, unit] = n < 1e6 ? [n / 1e3, 'k'] : n < 1e9 ? [n / 1e6, 'M'] : [n / 1e9, 'B'];
  return `${value >= 100 ? value.toFixed(0) : value.toPrecision(3)}${unit}`;
}

/** A speed in tokens per second, with precision that suits its size. */
export function formatRate(tokensPerSecond: number): string {
  const r = tokensPerSecond;
  return `${r >= 100 ? r.toFixed(0) : r.toFixed(1)} tok/s`;
}

export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
}

/** Whether the relaxed-SIMD build runs, and why not when it does not. */
export function relaxedSimdLine(info: BackendInfo): string {
  return info.relaxedSimd ? 'yes' : `no: ${info.relaxedSimdReason ?? 'not used'}`;
}

/** Rows of [label, value] as an aligned two-column block. */
export function formatTable(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n');
}

/**
 * qkv's errors name the problem, so the class and message are the whole
 * story; anything else is a bug, whose stack QKV_DEBUG=1 shows.
 */
export function describeError(e: unknown): string {
  if (e instanceof QkvError) return `${e.name}: ${e.message}`;
  if (e instanceof Error) {
    if (process.env.QKV_DEBUG === '1') return e.stack ?? `${e.name}: ${e.message}`;
    return `${e.name}: ${e.message} (unexpected: set QKV_DEBUG=1 for the stack and please report it)`;
  }
  return `Error: ${String(e)}`;
}
