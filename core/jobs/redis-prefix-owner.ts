import type { Redis } from 'ioredis';
import { ConfigError } from '../config/env';

/** Who uses a Redis prefix: a server, identified by its database's random identity. */
export interface PrefixOwner {
  serverId: string;
  role: string;
  instance: string;
  database: string;
}

function ownerKey(prefix: string): string {
  return `${prefix}:enfed:owner`;
}

/**
 * Claims `prefix` for this server, or refuses when another server (another database) owns it: two servers on one
 * prefix would silently take each other's scheduled jobs. Replicas of one server share its database identity and
 * so the claim. Idempotent; claimed again after Redis loses its state.
 */
export async function claimRedisPrefix(redis: Redis, prefix: string, owner: PrefixOwner): Promise<void> {
  const key = ownerKey(prefix);
  const claimed = await redis.set(key, JSON.stringify(owner), 'NX');
  if (claimed === 'OK') return;
  const current = await redis.get(key);
  let other: Partial<PrefixOwner> = {};
  try {
    other = JSON.parse(current ?? '{}') as Partial<PrefixOwner>;
  } catch {
    // An unreadable claim is treated as someone else's.
  }
  if (other.serverId === owner.serverId) return;
  throw new ConfigError([
    `REDIS_PREFIX: "${prefix}" is in use by another server (${other.role ?? 'unknown'} ${other.instance ?? ''}, database "${other.database ?? '?'}"); ` +
      `this ${owner.role} (${owner.instance}) uses database "${owner.database}". Give each server its own REDIS_PREFIX.`,
  ]);
}
