// Draws one attention matrix (query rows × key columns) on a canvas, with
// token labels on both axes and a colour bar, and maps pointer positions
// back to cells. Knows nothing about models or workers.

// Viridis at five stops: perceptually even, readable in greyscale.
const STOPS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
// Keys a causal model cannot see (after the query), and the labels' ink: the page's colours when it sets
// --masked and color on the canvas (so a dark page gets light labels), these otherwise.
const MASKED = '#e6e6ea';
const INK = '#222';
const HIGHLIGHT = '#e4007c'; // the hovered cell and its tokens: a colour viridis does not use
const LINE = 13; // CSS pixels a label needs across its line
const FONT = '12px ui-monospace, "DejaVu Sans Mono", monospace';
const LABEL_CHARS = 10;

export function colour(t) {
  const x = Math.min(1, Math.max(0, t)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  const [r, g, b] = STOPS[i].map((c, k) => Math.round(c + (STOPS[i + 1][k] - c) * f));
  return `rgb(${r},${g},${b})`;
}

/** A token as shown on an axis: byte-level and SentencePiece space marks made visible, cut to fit. */
export function tokenLabel(token) {
  const text = token.replace(/^[Ġ▁]/, '·').replace(/[Ġ▁]/g, ' ').replace(/Ċ|<0x0A>/g, '↵').replace(/ĉ|<0x09>/g, '⇥');
  return text.length > LABEL_CHARS ? `${text.slice(0, LABEL_CHARS - 1)}…` : text;
}

/**
 * Draws `weights` (row-major [query][key]: `tokens` down the side, `keys` — the same tokens unless given,
 * e.g. an encoder-decoder's source for its cross-attention — along the top) and returns the layout:
 * { left, top, cell, n, rows, columns, labelStep } in CSS pixels of the canvas (n: the rows). Past ~40 tokens
 * the cells get smaller than a line of text, so only every labelStep-th token is labelled; `highlight`
 * ({ query, key }, optional) outlines that cell, its row and its column and labels both its tokens whatever the step.
 */
export function drawHeatmap(canvas, { weights, tokens, keys = tokens, causal, highlight }) {
  const n = tokens.length;
  const columns = keys.length;
  const cell = Math.max(4, Math.min(32, Math.floor(480 / Math.max(1, n, columns))));
  const labelStep = Math.max(1, Math.ceil(LINE / cell));
  const ctx = canvas.getContext('2d');
  const style = globalThis.getComputedStyle?.(canvas);
  const masked = style?.getPropertyValue('--masked').trim() || MASKED;
  const ink = style?.color || INK;
  const mark = style?.getPropertyValue('--highlight').trim() || HIGHLIGHT;
  ctx.font = FONT;
  const labels = tokens.map(tokenLabel);
  const keyLabels = keys.map(tokenLabel);
  const widest = (ls) => Math.ceil(Math.max(0, ...ls.map((l) => ctx.measureText(l).width))) + 8;
  const left = widest(labels);
  const top = widest(keyLabels);
  const grid = cell * n;
  const gridWidth = cell * columns;
  const legendWidth = 56;
  const barHeight = Math.max(grid, 40);
  const width = left + gridWidth + legendWidth;
  const height = top + barHeight + 8;

  const dpr = globalThis.devicePixelRatio || 1;
  canvas.width = Math.ceil(width * dpr);
  canvas.height = Math.ceil(height * dpr);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  ctx.font = FONT;

  let max = 0;
  for (let i = 0; i < n * columns; i++) max = Math.max(max, weights[i]);
  const scale = max > 0 ? 1 / max : 0;
  for (let q = 0; q < n; q++) {
    for (let k = 0; k < columns; k++) {
      ctx.fillStyle = causal && k > q ? masked : colour(weights[q * columns + k] * scale);
      ctx.fillRect(left + k * cell, top + q * cell, cell, cell);
    }
  }

  // Labels: every labelStep-th token, and the highlighted row's and column's in the highlight colour.
  const rowLabel = (label, q) => ctx.fillText(label, left - 4, top + q * cell + cell / 2);
  const columnLabel = (label, k) => ctx.fillText(label, -(top - 4), left + k * cell + cell / 2);
  const near = (i, h) => h !== undefined && i !== h && Math.abs(i - h) * cell < LINE;
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'right';
  ctx.fillStyle = ink;
  labels.forEach((label, q) => { if (q % labelStep === 0 && !near(q, highlight?.query)) rowLabel(label, q); });
  if (highlight) {
    ctx.fillStyle = mark;
    rowLabel(labels[highlight.query], highlight.query);
  }
  ctx.save();
  ctx.rotate(-Math.PI / 2);
  ctx.textAlign = 'left';
  // Rotated a quarter turn: x runs up the canvas, y runs right.
  ctx.fillStyle = ink;
  keyLabels.forEach((label, k) => { if (k % labelStep === 0 && !near(k, highlight?.key)) columnLabel(label, k); });
  if (highlight) {
    ctx.fillStyle = mark;
    columnLabel(keyLabels[highlight.key], highlight.key);
  }
  ctx.restore();

  if (highlight) {
    ctx.strokeStyle = ink;
    ctx.lineWidth = 1;
    ctx.strokeRect(left + 0.5, top + highlight.query * cell + 0.5, gridWidth - 1, cell - 1);
    ctx.strokeRect(left + highlight.key * cell + 0.5, top + 0.5, cell - 1, grid - 1);
    ctx.strokeStyle = mark;
    ctx.lineWidth = 2;
    ctx.strokeRect(left + highlight.key * cell + 1, top + highlight.query * cell + 1, cell - 2, cell - 2);
  }

  // Colour bar: 0 at the bottom, the largest weight of this head at the top.
  const barX = left + gridWidth + 10;
  for (let y = 0; y < barHeight; y++) {
    ctx.fillStyle = colour(1 - y / (barHeight - 1));
    ctx.fillRect(barX, top + y, 10, 1);
  }
  ctx.fillStyle = ink;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  ctx.fillText(max.toFixed(2), barX + 13, top);
  ctx.textBaseline = 'bottom';
  ctx.fillText('0', barX + 13, top + barHeight);
  return { left, top, cell, n, rows: n, columns, labelStep, max };
}

/** The { query, key } cell under a point in CSS pixels of the canvas, or undefined. */
export function cellAt(layout, x, y) {
  const key = Math.floor((x - layout.left) / layout.cell);
  const query = Math.floor((y - layout.top) / layout.cell);
  if (key < 0 || query < 0 || key >= (layout.columns ?? layout.n) || query >= layout.n) return undefined;
  return { query, key };
}
