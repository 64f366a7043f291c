import test from 'ava';
import { toDemoOptions } from '../../../cli/demo/demo-options';
import { nodeName, regionsForNodes } from '../../../cli/demo/demo-regions';
import { UsageError } from '../../../cli/support/usage-error';

test('the default demo is WA, OR, CA; --nodes N takes US states in a fixed order starting there', (t) => {
  t.deepEqual(toDemoOptions({}, {}).regions, ['US-WA', 'US-OR', 'US-CA']);
  const twenty = toDemoOptions({ nodes: '20' }, {}).regions;
  t.is(twenty.length, 20);
  t.is(new Set(twenty).size, 20);
  t.deepEqual(twenty.slice(0, 4), ['US-WA', 'US-OR', 'US-CA', 'US-AK']);
  t.is(regionsForNodes(60)[59], 'XX-060');
  t.is(new Set(regionsForNodes(60).map(nodeName)).size, 60, 'node names stay distinct');
});

test('--regions keeps the given order, upper-cases, and refuses duplicates, bad codes and both flags', (t) => {
  t.deepEqual(toDemoOptions({ regions: 'us-wa, DE-BY,US-OR' }, {}).regions, ['US-WA', 'DE-BY', 'US-OR']);
  t.is(nodeName('DE-BY'), 'node-de-by');
  t.is(nodeName('US-WA'), 'node-wa');
  const usage = (flags: Parameters<typeof toDemoOptions>[0]) =>
    t.throws(() => toDemoOptions(flags, {}), { instanceOf: UsageError })?.message;
  t.regex(usage({ regions: 'US-WA,us-wa' }) ?? '', /appears twice/);
  t.regex(usage({ regions: 'US WA' }) ?? '', /not region codes/);
  t.regex(usage({ regions: 'US-WA', nodes: '3' }) ?? '', /give one of them/);
  t.regex(usage({ nodes: '0' }) ?? '', /--nodes must be a whole number from 1 to 60/);
});
