import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import test from 'ava';
import { generateTestCerts, type TestCerts } from '../../helpers/federation-certs';
import { startTestHub, startTestNode } from '../../helpers/test-servers';

const PROMETHEUS_DIR = fileURLToPath(new URL('../../../deploy/prometheus/', import.meta.url));
const DASHBOARD = fileURLToPath(new URL('../../../deploy/grafana/enfed.dashboard.json', import.meta.url));
const RULES = 'enfed.rules.yml';
const RULE_TESTS = 'enfed.rules.test.yml';

/** Runs Debian's promtool (PROMTOOL, else on PATH; scripts/ensure-test-services.sh installs it). */
async function promtool(args: string[], cwd: string): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.env.PROMTOOL ?? 'promtool', args, { cwd });
    return { ok: true, output: stdout + stderr };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}${e.message}` };
  }
}

/** Metric names a PromQL text refers to: enfed's own and the process metrics of prom-client. */
function metricNames(promql: string): string[] {
  return [...promql.matchAll(/\b((?:enfed|process|nodejs)_[a-z0-9_]+)\b/g)].map((m) => m[1] as string);
}

/** Every expression of the dashboard (panel targets and template queries). */
function dashboardExpressions(dashboard: unknown): string[] {
  const found: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      for (const [key, v] of Object.entries(value)) {
        if ((key === 'expr' || key === 'query' || key === 'definition') && typeof v === 'string') found.push(v);
        else walk(v);
      }
    }
  };
  walk(dashboard);
  return found;
}

let certs: TestCerts;
test.before(async () => {
  certs = await generateTestCerts(['node-a']);
});
test.after.always(async () => {
  await certs?.destroy();
});

test('promtool: the alert rules are valid and their unit tests pass', async (t) => {
  const check = await promtool(['check', 'rules', RULES], PROMETHEUS_DIR);
  t.true(check.ok, check.output);
  t.regex(check.output, /SUCCESS: \d+ rules found/);
  const unit = await promtool(['test', 'rules', RULE_TESTS], PROMETHEUS_DIR);
  t.true(unit.ok, unit.output);
});

test('promtool: a broken rule file and a changed threshold are caught', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'enfed-rules-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const rules = await readFile(join(PROMETHEUS_DIR, RULES), 'utf8');
  await copyFile(join(PROMETHEUS_DIR, RULE_TESTS), join(dir, RULE_TESTS));

  await writeFile(
    join(dir, RULES),
    rules.replace('enfed_dependency_up{dependency="postgres"})', 'enfed_dependency_up{'),
  );
  t.false((await promtool(['check', 'rules', RULES], dir)).ok, 'a syntax error fails the check');

  await writeFile(join(dir, RULES), rules.replace('> 2 * 3600', '> 20 * 3600'));
  const unit = await promtool(['test', 'rules', RULE_TESTS], dir);
  t.false(unit.ok, 'a pull-lag threshold ten times higher fails the unit test');
  t.regex(unit.output, /EnfedUpstreamPullLag/);
});

test('every metric the alert rules and the dashboard name is served by a node or the hub', async (t) => {
  const [node, hub] = await Promise.all([
    startTestNode({ env: certs.serverEnv('node-a') }),
    startTestHub({ env: certs.serverEnv('hub') }),
  ]);
  const served = new Set<string>();
  try {
    for (const url of [node.server.httpUrl, hub.server.httpUrl]) {
      const text = await (await fetch(`${url}/metrics`)).text();
      for (const [, name, kind] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
        served.add(name as string);
        if (kind === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) served.add(`${name}${suffix}`);
      }
    }
  } finally {
    await Promise.all([node.destroy(), hub.destroy()]);
  }
  const rules = await readFile(join(PROMETHEUS_DIR, RULES), 'utf8');
  const ruleExpressions = [...rules.matchAll(/expr: (?:>\n)?([\s\S]*?)\n\s+(?:for|labels):/g)].map(
    (m) => m[1] as string,
  );
  t.is(ruleExpressions.length, (rules.match(/- alert: /g) ?? []).length, 'every rule has its expression read');
  const dashboard = JSON.parse(await readFile(DASHBOARD, 'utf8')) as unknown;
  const named = new Set([...ruleExpressions, ...dashboardExpressions(dashboard)].flatMap(metricNames));
  t.true(named.size >= 15, `${named.size} metrics named`);
  t.deepEqual(
    [...named].filter((name) => !served.has(name)),
    [],
    'named in deploy/prometheus or deploy/grafana but not served',
  );
});
