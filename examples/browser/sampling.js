// The generation options of the sampling form, in qkv's (transformers.js's) names.
// Empty fields are left out, so qkv's defaults apply; qkv checks the values.

export function readSampling(form) {
  const value = (name) => {
    const input = form.elements.namedItem(name);
    return input.value.trim() === '' ? undefined : Number(input.value);
  };
  const options = { do_sample: form.elements.namedItem('do_sample').checked };
  for (const name of ['max_new_tokens', 'repetition_penalty', 'seed']) {
    const v = value(name);
    if (v !== undefined) options[name] = v;
  }
  // A stop string counts as typed, spaces included; empty: none.
  const stop = form.elements.namedItem('stop').value;
  if (stop !== '') options.stop = stop;
  if (options.do_sample) {
    for (const name of ['temperature', 'top_k', 'top_p']) {
      const v = value(name);
      if (v !== undefined) options[name] = v;
    }
  }
  return options;
}

/** Greys out the sampling-only fields when sampling is off (greedy decoding). */
export function bindSamplingForm(form) {
  const update = () => {
    const sampling = form.elements.namedItem('do_sample').checked;
    for (const name of ['temperature', 'top_k', 'top_p']) form.elements.namedItem(name).disabled = !sampling;
  };
  form.elements.namedItem('do_sample').addEventListener('change', update);
  update();
}
