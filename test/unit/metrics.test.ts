import test from 'ava';
import { Metrics } from '../../core/metrics/metrics';

test('declaring a metric twice returns the same one; a conflicting declaration throws', async (t) => {
  const metrics = new Metrics();
  const a = metrics.counter('enfed_things_total', 'Things.', ['outcome']);
  const b = metrics.counter('enfed_things_total', 'Things.', ['outcome']);
  t.is(a, b);
  a.inc({ outcome: 'ok' });
  b.inc({ outcome: 'ok' }, 2);
  t.regex(await metrics.render(), /^enfed_things_total\{outcome="ok"\} 3$/m);
  t.throws(() => metrics.gauge('enfed_things_total', 'Things.', ['outcome']), {
    message: /already declared as a counter/,
  });
  t.throws(() => metrics.counter('enfed_things_total', 'Things.', ['region']), { message: /labels \[outcome\]/ });
});

test('separate instances have separate registries', async (t) => {
  const one = new Metrics();
  const two = new Metrics();
  one.histogram('enfed_work_seconds', 'Work.', [], [1]).observe(0.5);
  t.notThrows(() => two.histogram('enfed_work_seconds', 'Work.', ['root'], [1]));
  t.regex(await one.render(), /^enfed_work_seconds_count 1$/m);
  t.regex(await two.render(), /^# TYPE enfed_work_seconds histogram$/m);
  t.notRegex(await two.render(), /^enfed_work_seconds_count 1$/m);
});
