import type { ProbeResult } from './run-probe';

const STAGES = ['publish', 'export', 'verify'] as const;

/** The human form: one line per stage with its latency, then the verdict. */
export function formatProbe(result: ProbeResult): string {
  const lines = result.stages.map(
    (s) => `${s.ok ? 'ok  ' : 'FAIL'} ${s.stage.padEnd(8)} ${s.seconds.toFixed(2).padStart(7)} s  ${s.detail}`,
  );
  for (const stage of STAGES.slice(result.stages.length)) lines.push(`skip ${stage}`);
  lines.push(`probe ${result.ok ? 'OK' : 'FAILED'} in ${result.totalSeconds.toFixed(2)} s`);
  return `${lines.join('\n')}\n`;
}

/**
 * The Prometheus text exposition form (for a Pushgateway or node_exporter's textfile collector): success, the
 * total and each stage's latency (stages not reached are absent), and when the probe ran.
 */
export function prometheusProbe(result: ProbeResult, at: Date): string {
  const lines = [
    '# HELP enfed_probe_success 1 when the probe published, found its keys in the export and verified the file.',
    '# TYPE enfed_probe_success gauge',
    `enfed_probe_success ${result.ok ? 1 : 0}`,
    '# HELP enfed_probe_duration_seconds Time of the whole probe.',
    '# TYPE enfed_probe_duration_seconds gauge',
    `enfed_probe_duration_seconds ${result.totalSeconds.toFixed(3)}`,
    '# HELP enfed_probe_stage_seconds Time of each probe stage (publish, export, verify).',
    '# TYPE enfed_probe_stage_seconds gauge',
    ...result.stages.map((s) => `enfed_probe_stage_seconds{stage="${s.stage}"} ${s.seconds.toFixed(3)}`),
    '# HELP enfed_probe_stage_success 1 when the stage succeeded.',
    '# TYPE enfed_probe_stage_success gauge',
    ...result.stages.map((s) => `enfed_probe_stage_success{stage="${s.stage}"} ${s.ok ? 1 : 0}`),
    '# HELP enfed_probe_last_run_timestamp_seconds When the probe ran.',
    '# TYPE enfed_probe_last_run_timestamp_seconds gauge',
    `enfed_probe_last_run_timestamp_seconds ${Math.floor(at.getTime() / 1000)}`,
  ];
  return `${lines.join('\n')}\n`;
}
