import test from 'ava';
import { NotFoundError } from '../../core/errors/app-error';
import { isDependencyOutage } from '../../core/errors/dependency-outage';
import { toPublicError } from '../../core/errors/error-table';
import { reportError } from '../../core/errors/report-error';
import { captureLogs } from '../helpers/captured-logs';

const outages: [string, unknown][] = [
  ['connection refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
  [
    'server restarting (57P01)',
    Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
  ],
  ['starting up (57P03)', Object.assign(new Error('the database system is starting up'), { code: '57P03' })],
  ['connection exception class 08', Object.assign(new Error('connection failure'), { code: '08006' })],
  ['pg: connection terminated', new Error('Connection terminated unexpectedly')],
  ['pg pool: connect timeout', new Error('timeout exceeded when trying to connect')],
  ['wrapped cause', new Error('query failed', { cause: Object.assign(new Error('x'), { code: 'ECONNRESET' }) })],
];
for (const [name, err] of outages) {
  test(`a dependency outage is 503 unavailable with Retry-After: ${name}`, (t) => {
    t.true(isDependencyOutage(err));
    t.like(toPublicError(err), { http: 503, code: 'unavailable', internal: false, retryAfterSeconds: 5 });
  });
}

const faults: [string, unknown][] = [
  ['a syntax error (42601)', Object.assign(new Error('syntax error at or near'), { code: '42601' })],
  ['a unique violation (23505)', Object.assign(new Error('duplicate key'), { code: '23505' })],
  ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'x')")],
  ['not an error', 'boom'],
];
for (const [name, err] of faults) {
  test(`a fault is a masked 500: ${name}`, (t) => {
    t.false(isDependencyOutage(err));
    t.like(toPublicError(err), { http: 500, code: 'internal_error', message: 'internal server error', internal: true });
  });
}

test('reportError logs an internal error once with an id and a cleaned message; a client error not at all', (t) => {
  const logs = captureLogs();
  const reported = reportError(logs.logger, new Error('bad\u0000thing\nwith "text"'), { route: 'x' });
  t.truthy(reported.errorId);
  const [line, ...rest] = logs.lines();
  t.deepEqual(rest, []);
  t.like(line, { level: 50, errorId: reported.errorId, route: 'x', error: 'Error', err: 'bad thing with "text"' });
  t.is(reportError(logs.logger, new NotFoundError('no such thing'), {}).errorId, undefined);
  t.is(logs.lines().length, 1, 'expected refusals are not logged');
});
