import type { CheckResult } from './check';

const escape = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

/** The results as JUnit XML (one testsuite per group), for CI systems that show test reports. */
export function junitXml(results: readonly CheckResult[]): string {
  const groups = [...new Set(results.map((r) => r.group))];
  const suite = (group: string) => {
    const rs = results.filter((r) => r.group === group);
    const cases = rs.map((r) => {
      const head = `    <testcase classname="enfed.conformance.${escape(group)}" name="${escape(`${r.id}: ${r.title}`)}" time="${r.seconds.toFixed(3)}"`;
      if (r.status === 'pass') return `${head}/>`;
      const inner =
        r.status === 'skip' ? `<skipped message="${escape(r.detail)}"/>` : `<failure message="${escape(r.detail)}"/>`;
      return `${head}>\n      ${inner}\n    </testcase>`;
    });
    return (
      `  <testsuite name="${escape(group)}" tests="${rs.length}" failures="${rs.filter((r) => r.status === 'fail').length}" ` +
      `skipped="${rs.filter((r) => r.status === 'skip').length}" time="${rs.reduce((t, r) => t + r.seconds, 0).toFixed(3)}">\n` +
      `${cases.join('\n')}\n  </testsuite>`
    );
  };
  const failures = results.filter((r) => r.status === 'fail').length;
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="enfed conformance" tests="${results.length}" failures="${failures}">\n` +
    `${groups.map(suite).join('\n')}\n</testsuites>\n`
  );
}
