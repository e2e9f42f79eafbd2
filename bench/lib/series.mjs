// Runs a measurement for every tool, run by run (warm-up first), so run i of each tool sees the same machine.
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/**
 * measure(spec, job, tool, run) → a number, or an object of numbers when one run yields several metrics.
 * Returns { samples: { metric: { tool: [value per run] } }, na: { tool: why } }. Arrays stay aligned by run
 * (NaN for a failed run) so ratios pair the right runs (run < 0 is a warm-up); a tool that fails every run is reported as failed.
 */
export async function series({ tools, runs, warmup, tmp, prepareJob, measure, log }) {
  const results = Array.from({ length: runs }, () => ({}));
  const na = {};
  const errors = {};
  for (let run = -warmup; run < runs; run++) {
    for (const tool of tools) {
      if (na[tool.name]) continue;
      const dir = mkdtempSync(join(tmp, `${tool.name.replace(/\W+/g, '')}-`));
      try {
        const job = prepareJob(dir);
        const spec = tool.prepare(job);
        if (spec.na) {
          na[tool.name] = spec.na;
          continue;
        }
        const t0 = Date.now();
        const raw = await measure(spec, job, tool, run);
        const result = typeof raw === 'number' ? { value: raw } : raw;
        if (run >= 0) results[run][tool.name] = result;
        log?.(`  ${tool.name} ${run < 0 ? 'warm-up' : `run ${run + 1}`}: ${fmt(result)} (${Date.now() - t0} ms)`);
      } catch (error) {
        errors[tool.name] = `${run < 0 ? 'warm-up' : `run ${run + 1}`}: ${error.message.split('\n')[0].slice(0, 200)}`;
        log?.(`  ${tool.name} ${run < 0 ? 'warm-up' : `run ${run + 1}`} failed: ${error.message}`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  const samples = {};
  for (const tool of tools) {
    if (na[tool.name]) continue;
    const metrics = new Set(results.flatMap((r) => Object.keys(r[tool.name] ?? {})));
    if (metrics.size === 0) {
      na[tool.name] = `failed: ${errors[tool.name] ?? 'no result'}`;
      continue;
    }
    for (const metric of metrics) (samples[metric] ??= {})[tool.name] = results.map((r) => r[tool.name]?.[metric] ?? NaN);
  }
  return { samples, na, errors };
}

function fmt(result) {
  return Object.entries(result)
    .map(([k, v]) => `${k}=${Number(v).toFixed(3)}`)
    .join(' ');
}
