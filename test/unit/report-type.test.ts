import test from 'ava';
import {
  backfillTransmissionRisk,
  checkRevision,
  fromWireReportType,
  toWireReportType,
  type ReportType,
} from '../../core/keys/report-type';

const transitions: Array<[ReportType, ReportType, ReturnType<typeof checkRevision>]> = [
  ['likely', 'confirmed', 'allowed'],
  ['likely', 'negative', 'allowed'],
  ['likely', 'user-report', 'forbidden'],
  ['user-report', 'confirmed', 'allowed'],
  ['user-report', 'likely', 'allowed'],
  ['user-report', 'negative', 'allowed'],
  ['', 'confirmed', 'allowed'],
  ['', 'likely', 'allowed'],
  ['', 'negative', 'allowed'],
  ['', 'user-report', 'forbidden'],
  ['confirmed', 'likely', 'forbidden'],
  ['confirmed', 'negative', 'forbidden'],
  ['negative', 'confirmed', 'forbidden'],
  ['confirmed', 'confirmed', 'unchanged'],
];

for (const [from, to, expected] of transitions) {
  test(`revision ${from || '(empty)'} → ${to}: ${expected}`, (t) => {
    t.is(checkRevision(from, to), expected);
  });
}

test('wire mapping round-trips and drops UNKNOWN and RECURSIVE', (t) => {
  for (const type of ['confirmed', 'likely', 'user-report', 'negative'] as const) {
    t.is(fromWireReportType(toWireReportType(type)!), type);
  }
  t.is(toWireReportType(''), undefined);
  t.is(fromWireReportType(0), undefined);
  t.is(fromWireReportType(4), undefined);
  t.is(fromWireReportType(99), undefined);
});

test('transmission risk backfill only replaces 0', (t) => {
  t.is(backfillTransmissionRisk(0, 'confirmed'), 2);
  t.is(backfillTransmissionRisk(0, 'likely'), 4);
  t.is(backfillTransmissionRisk(0, 'negative'), 6);
  t.is(backfillTransmissionRisk(0, 'user-report'), 0);
  t.is(backfillTransmissionRisk(0, ''), 0);
  t.is(backfillTransmissionRisk(7, 'confirmed'), 7);
});
