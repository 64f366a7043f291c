import test from 'ava';
import { demoTiming, hubExportDueAt } from '../../../cli/demo/demo-timing';
import { toDemoOptions } from '../../../cli/demo/demo-options';

const at = (iso: string) => new Date(`2026-01-01T${iso}Z`);

test("the first hub export is due at its window's end plus the minimum age, after the node's close and a pull", (t) => {
  // Defaults (truncate 10 s, period 60 s, pulls every 10 s): keys published at 05:16:57 are in the 05:16:50
  // window, served from 05:17:05 (+5 s grace), pulled by 05:17:15 with arrival 05:17:10, in the hub's window
  // ending 05:18:00, exported from 05:18:10, at the latest one schedule run (5 s) later.
  const defaults = demoTiming(toDemoOptions({}, {}));
  t.deepEqual(hubExportDueAt(at('05:16:57'), defaults), at('05:18:15'));
  // Windows that do not align: truncate 3 s, period 10 s, pulls every 2 s.
  const fast = demoTiming(toDemoOptions({ truncateWindow: '3', exportPeriod: '10', pullInterval: '2' }, {}));
  t.deepEqual(hubExportDueAt(new Date(100_000), fast), new Date(117_000));
});
