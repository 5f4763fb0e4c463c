// The similarity panel of an encoder: one sentence per line in, the cosine
// similarity of every pair of their embeddings (WorkerModel.embed()) out, as a
// table shaded by the value. Knows nothing about loading.

/** Cosine similarity of rows i and j of a row-major [m, d] matrix. */
export function cosine(data, d, i, j) {
  let dot = 0;
  let a = 0;
  let b = 0;
  for (let k = 0; k < d; k++) {
    const x = data[i * d + k];
    const y = data[j * d + k];
    dot += x * y;
    a += x * x;
    b += y * y;
  }
  return a > 0 && b > 0 ? dot / Math.sqrt(a * b) : 0;
}

export class SimilarityView {
  constructor({ input, table, status }) {
    Object.assign(this, { input, table, status });
  }

  /** The sentences to compare: the input's non-empty lines. */
  sentences() {
    return this.input.value.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  }

  clear() {
    this.table.replaceChildren();
    this.status.textContent = '';
    this.status.classList.remove('error');
    this.status.removeAttribute('role');
  }

  fail(message) {
    this.clear();
    this.status.textContent = message;
    this.status.classList.add('error');
    this.status.setAttribute('role', 'alert');
  }

  /** embedding: { data, dims: [m, d] } of `sentences`, in their order. */
  show(sentences, { data, dims }, ms) {
    this.clear();
    const [m, d] = dims;
    const head = document.createElement('tr');
    head.append(document.createElement('th'), ...sentences.map((_, j) => cell('th', `#${j + 1}`, sentences[j])));
    const rows = sentences.map((sentence, i) => {
      const row = document.createElement('tr');
      row.append(cell('th', `#${i + 1} ${short(sentence)}`, sentence));
      for (let j = 0; j < m; j++) {
        const value = cosine(data, d, i, j);
        const td = cell('td', value.toFixed(3), `${short(sentences[i])} · ${short(sentences[j])}`);
        td.dataset.value = String(value);
        // Shade by the value: 1 full accent, 0 or below none.
        td.style.setProperty('--share', `${Math.round(Math.max(0, value) * 60)}%`);
        row.append(td);
      }
      return row;
    });
    this.table.append(head, ...rows);
    this.status.textContent = `${m} sentences, ${d}-dimensional embeddings, in ${(ms / 1000).toFixed(2)} s. ` +
      'Cosine similarity: 1 the same direction, 0 unrelated.';
  }
}

function cell(tag, text, title) {
  const element = document.createElement(tag);
  element.textContent = text;
  element.title = title;
  return element;
}

function short(text) {
  return text.length > 24 ? `${text.slice(0, 23)}…` : text;
}
