import test from 'ava';
import { Worker } from 'bullmq';
import { bullConnection, closeRedis, createRedis, deleteRedisPrefix } from '../../core/jobs/redis';
import { stopRetriesOnClose, WorkerClosingError } from '../../core/jobs/worker-close-guard';
import { TEST_REDIS_URL, uniqueName } from '../helpers/test-database';

/** What ioredis throws for a command on a connection that is gone, which BullMQ retries. */
const connectionClosed = () => new Error('Connection is closed.');

/**
 * Calls BullMQ's retry loop as the worker does after a job, with a call that always fails for want of a
 * connection, and counts the attempts. `maxRetries` bounds BullMQ's loop here only so that an unguarded worker
 * ends (it spins without yielding once closing, so a hang could not be caught by a timeout).
 */
async function attemptsWhileClosing(guarded: boolean): Promise<{ attempts: number; error: unknown }> {
  const prefix = uniqueName('enfed_test');
  const redis = createRedis(TEST_REDIS_URL);
  const worker = new Worker('close-guard', async () => undefined, {
    connection: bullConnection(redis),
    prefix,
    autorun: false,
  });
  if (guarded) stopRetriesOnClose(worker);
  const internals = worker as unknown as {
    closing?: unknown;
    retryIfFailed(fn: () => Promise<unknown>, opts: Record<string, unknown>): Promise<unknown>;
  };
  await worker.close();
  internals.closing = Promise.resolve();
  let attempts = 0;
  let error: unknown;
  try {
    await internals.retryIfFailed(
      async () => {
        attempts += 1;
        throw connectionClosed();
      },
      { delayInMs: 5000, maxRetries: 1000 },
    );
  } catch (err) {
    error = err;
  } finally {
    await closeRedis(redis);
    await deleteRedisPrefix(TEST_REDIS_URL, prefix);
  }
  return { attempts, error };
}

test('a closing worker stops retrying a Redis call that failed for want of a connection', async (t) => {
  const guarded = await attemptsWhileClosing(true);
  t.is(guarded.attempts, 1);
  t.true(guarded.error instanceof WorkerClosingError);
  // The behaviour guarded against: BullMQ 5 retries at once, without its delay, until maxRetries (unbounded in
  // its own calls). If a BullMQ upgrade fixes it, this line fails and the guard can go.
  const unguarded = await attemptsWhileClosing(false);
  t.is(unguarded.attempts, 1000);
});
