import test from 'ava';
import { toWireKey } from '../../../core/federation/key-wire';
import { intervalNumber } from '../../../core/keys/intervals';
import { WireReportType } from '../../../core/keys/report-type';
import { nextAttemptAt } from '../../../hub/sources/backoff';
import { prepareIncoming } from '../../../hub/pool/incoming-keys';
import { incomingFromWire } from '../../../hub/sources/federation/incoming-wire-keys';

const now = new Date('2026-11-22T12:00:00Z');

const backoff: [number, number][] = [
  [1, 30],
  [2, 60],
  [3, 120],
  [8, 3600],
  [40, 3600],
];
for (const [failures, seconds] of backoff) {
  test(`backoff after ${failures} consecutive failures is ${seconds}s`, (t) => {
    t.is((nextAttemptAt(now, failures, 30, 3600).getTime() - now.getTime()) / 1000, seconds);
  });
}

const valid = {
  key: Buffer.alloc(16, 1),
  transmissionRisk: 2,
  intervalNumber: intervalNumber(now) - 144,
  intervalCount: 144,
  regions: ['ca'],
  traveler: false,
  reportType: 'confirmed',
  daysSinceOnset: 0 as number | null,
};

const incoming: { name: string; change: Partial<typeof valid>; wireType?: number; kept: boolean }[] = [
  { name: 'a valid key', change: {}, kept: true },
  { name: 'UNKNOWN report type', change: {}, wireType: WireReportType.UNKNOWN, kept: false },
  { name: 'RECURSIVE report type', change: {}, wireType: WireReportType.RECURSIVE, kept: false },
  { name: 'SELF_REPORT when not accepted', change: {}, wireType: WireReportType.SELF_REPORT, kept: false },
  { name: 'short key', change: { key: Buffer.alloc(15) }, kept: false },
  { name: 'transmission risk 9', change: { transmissionRisk: 9 }, kept: false },
  { name: 'interval count 0', change: { intervalCount: 0 }, kept: false },
  { name: 'expired', change: { intervalNumber: intervalNumber(now) - 20 * 144 }, kept: false },
  { name: 'future', change: { intervalNumber: intervalNumber(now) + 10 }, kept: false },
  { name: 'days since onset 15', change: { daysSinceOnset: 15 }, kept: false },
  { name: 'no usable region', change: { regions: ['a,b'] }, kept: false },
  { name: 'revocation (REVOKED)', change: { reportType: 'negative' }, kept: true },
];
for (const c of incoming) {
  test(`federation-in validation: ${c.name}`, (t) => {
    const wire = toWireKey({ ...valid, ...c.change });
    if (c.wireType !== undefined) wire.reportType = c.wireType;
    const { columns, invalid } = prepareIncoming(incomingFromWire([wire]), now, { acceptSelfReport: false });
    t.is(columns.keys.length, c.kept ? 1 : 0);
    t.is(invalid, c.kept ? 0 : 1);
    if (c.kept) {
      t.deepEqual(columns.regions, ['CA']);
      t.is(columns.daysSinceOnset[0], c.change.daysSinceOnset ?? 0, 'days since onset 0 is kept, not absent');
    }
  });
}

test('federation-in validation: SELF_REPORT is kept where configured; repeats keep one copy', (t) => {
  const wire = { ...toWireKey(valid), reportType: WireReportType.SELF_REPORT };
  const { columns, invalid } = prepareIncoming(incomingFromWire([wire, wire]), now, { acceptSelfReport: true });
  t.deepEqual(columns.reportTypes, ['user-report']);
  t.is(invalid, 1);
});

test('federation-in validation: a traveler key may come without regions; any other key may not', (t) => {
  const traveler = prepareIncoming(incomingFromWire([toWireKey({ ...valid, regions: [], traveler: true })]), now, {
    acceptSelfReport: false,
  });
  t.is(traveler.columns.keys.length, 1);
  t.deepEqual(traveler.columns.regions, ['']);
  t.true(traveler.columns.travelers[0]);
  const plain = prepareIncoming(incomingFromWire([toWireKey({ ...valid, regions: [] })]), now, {
    acceptSelfReport: false,
  });
  t.is(plain.columns.keys.length, 0);
  t.is(plain.invalid, 1);
});
