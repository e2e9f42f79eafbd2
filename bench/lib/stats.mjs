// Small statistics helpers: medians, percentiles and pair-by-pair ratios.

/** The median of a list of numbers (NaN for an empty list). */
export function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** The p-th percentile (0–100) by nearest rank: p99 of 20,000 samples is the 19,800th smallest. */
export function percentile(values, p) {
  const v = [...values].sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const rank = Math.min(v.length, Math.max(1, Math.ceil((p / 100) * v.length)));
  return v[rank - 1];
}

/**
 * Median of per-run ratios a[i] / b[i]. Runs are interleaved, so run i of both tools saw the same machine
 * state; a drifting machine then moves both sides of each ratio together.
 */
export function pairedRatio(a = [], b = []) {
  const ratios = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (Number.isFinite(a[i]) && Number.isFinite(b[i]) && b[i] > 0) ratios.push(a[i] / b[i]);
  }
  return median(ratios);
}

/** A goal from an issue, judged on a measured value: met true/false, or null when it could not be measured. */
export function goal(text, value, test, show) {
  return Number.isFinite(value) ? { text, met: test(value), detail: show(value) } : { text, met: null, detail: 'not measured' };
}
