import type { ExportHealthRepository } from '../../core/export/export-health.repository';
import { certificateExpiry } from '../../core/tls/certificate-expiry';
import type { StatusHistoryRepository } from './status-history.repository';

/** Hours of keys-per-hour history the status shows (the current hour last). */
export const HISTORY_HOURS = 24;

/** Keys one upstream inserted in each of the last HISTORY_HOURS hours, oldest first. */
export interface UpstreamHistory {
  name: string;
  /** `federation`, `import` or `covid-alert`: which run table the figures come from. */
  kind: string;
  /** Start of the first hour. */
  since: Date;
  hourly: number[];
}

/** Last and next output of one active export config. */
export interface ExportSchedule {
  root: string;
  periodSeconds: number;
  /** End of the newest complete batch. */
  lastBatchEnd: Date | null;
  lastFileAt: Date | null;
  /** When the next window closes (last batch end + period); null before the first batch. */
  nextBatchEnd: Date | null;
}

/** A certificate or signing key and until when it is valid (null: unreadable or no end). */
export interface Expiry {
  name: string;
  /** `server certificate`, `upstream certificate` or `signing key`. */
  kind: string;
  expiresAt: Date | null;
  /** Why expiresAt is null: `no end` for an open signing key, `unreadable` for a certificate file. */
  note: string | null;
}

/** A partner allowed to pull from the hub. Fetch calls are not recorded, so there is no last-fetch time. */
export interface PartnerStatus {
  name: string;
  includeRegions: string[];
  excludeRegions: string[];
  enabled: boolean;
  identity: string;
  lastFetchAt: null;
}

export interface StatusHistory {
  keysPerHour: UpstreamHistory[];
  exports: ExportSchedule[];
  expiries: Expiry[];
  partners: PartnerStatus[];
}

export interface StatusHistoryDeps {
  history: StatusHistoryRepository;
  exportHealth: ExportHealthRepository;
  /** federation-out's TLS_CERT_PATH, when set. */
  serverCertPath: string | undefined;
  now: Date;
}

const HOUR_MS = 3600_000;
const date = (epochSeconds: number | null) => (epochSeconds === null ? null : new Date(epochSeconds * 1000));

async function keysPerHour(deps: StatusHistoryDeps): Promise<UpstreamHistory[]> {
  const firstHour = Math.floor(deps.now.getTime() / HOUR_MS) - (HISTORY_HOURS - 1);
  const since = new Date(firstHour * HOUR_MS);
  const out: UpstreamHistory[] = [];
  for (const { kind, rows } of await deps.history.hourlyInserts(since)) {
    const byName = new Map<string, number[]>();
    for (const row of rows) {
      const hourly = byName.get(row.name) ?? new Array<number>(HISTORY_HOURS).fill(0);
      byName.set(row.name, hourly);
      const i = row.hour === null ? -1 : row.hour - firstHour;
      if (i >= 0 && i < HISTORY_HOURS) hourly[i] = (hourly[i] ?? 0) + row.inserted;
    }
    for (const [name, hourly] of byName) out.push({ name, kind, since, hourly });
  }
  return out;
}

async function expiries(deps: StatusHistoryDeps): Promise<Expiry[]> {
  const certs: { name: string; kind: string; path: string }[] = [
    ...(deps.serverCertPath ? [{ name: 'federation-out', kind: 'server certificate', path: deps.serverCertPath }] : []),
    ...(await deps.history.upstreamCertificates()).map((u) => ({
      name: u.name,
      kind: 'upstream certificate',
      path: u.client_cert_path,
    })),
  ];
  const out: Expiry[] = [];
  for (const c of certs) {
    // The file path is not shown: the name says which certificate it is.
    const at = await certificateExpiry(c.path).catch(() => null);
    out.push({ name: c.name, kind: c.kind, expiresAt: date(at), note: at === null ? 'unreadable' : null });
  }
  for (const k of await deps.exportHealth.signingKeyValidity()) {
    const open = k.validUntil === Infinity;
    out.push({
      name: k.keyId,
      kind: 'signing key',
      expiresAt: open ? null : date(k.validUntil),
      note: open ? 'no end' : null,
    });
  }
  return out;
}

/** The history part of the hub status: keys per hour, export schedule, expiries and partners. */
export async function loadStatusHistory(deps: StatusHistoryDeps): Promise<StatusHistory> {
  const [hours, freshness, expiring, partners] = await Promise.all([
    keysPerHour(deps),
    deps.exportHealth.freshness(),
    expiries(deps),
    deps.history.partners(),
  ]);
  return {
    keysPerHour: hours,
    exports: freshness.map((f) => ({
      root: f.root,
      periodSeconds: f.periodSeconds,
      lastBatchEnd: date(f.lastBatchEnd),
      lastFileAt: date(f.lastFile),
      nextBatchEnd: f.lastBatchEnd === null ? null : date(f.lastBatchEnd + f.periodSeconds),
    })),
    expiries: expiring,
    partners: partners.map((p) => ({
      name: p.name,
      includeRegions: p.include_regions,
      excludeRegions: p.exclude_regions,
      enabled: p.enabled,
      identity: p.identity,
      lastFetchAt: null,
    })),
  };
}
