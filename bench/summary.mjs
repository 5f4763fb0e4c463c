// What the bench/*/summarize.mjs scripts share: reading run.sh's JSON lines, medians that pass over
// what was not measured, number cells, ratios paired by round, and Markdown tables on stdout.
import { readFileSync } from 'node:fs';

/** The JSON objects of a file's lines that hold one (run.sh logs other lines too). */
export function readJsonLines(file) {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
}

/** The median of the finite values (NaN when there are none). */
export function median(xs) {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** A number cell with `digits` decimals; '–' for what was not measured. */
export const fmt = (x, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : '–');

/** A ratio cell such as '1.52×'. */
export const times = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '–');

/**
 * The median over rounds of a[key] / b[key] (b / a with invert, for times where less is better),
 * pairing the runs of one round: the two engines of a ratio ran back to back. A null value (a rate
 * that could not be measured) stays out of the median rather than reading as 0.
 */
export function pairedRatio(as, bs, key, invert = false) {
  const other = new Map(bs.filter((r) => r[key] !== null).map((r) => [r.round, r[key]]));
  return median(as.filter((r) => other.has(r.round) && r[key] !== null)
    .map((r) => (invert ? other.get(r.round) / r[key] : r[key] / other.get(r.round))));
}

/** Prints a Markdown table: the header's cells, then each row's. */
export function printTable(header, rows) {
  const line = (cells) => console.log(`| ${cells.join(' | ')} |`);
  line(header);
  line(header.map(() => '---'));
  rows.forEach(line);
}
