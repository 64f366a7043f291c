import { BadRequestError } from '../../core/errors/app-error';
import type { ExposureKey } from '../../core/keys/exposure-key';
import { intervalNumber } from '../../core/keys/intervals';
import type { KeyValidationLimits } from '../../core/keys/key-limits';
import { checkRevision, type ReportType } from '../../core/keys/report-type';
import type { AuthorizedAppInfo } from './apps/authorized-app.repository';
import { MaintenanceError, PUBLISH_CODES, RevisionError, UnknownHealthAuthorityIdError } from './publish-errors';
import type { PublishRequest } from './request/publish-request';
import { checkRequestRules, type RequestLimits } from './request/request-rules';
import { chooseOnsetInterval, isUsableOnset } from './request/symptom-onset';
import { daysBetweenIntervals, onsetDaysAgo, statsHour, type Platform } from './stats/publish-stats';
import { transformKeys } from './request/transform-keys';
import { nextTokenKeys } from './revision/next-token-keys';
import type { RevisionKeyRing } from './revision/revision-key-ring';
import type { RevisableKey } from './revision/revision-token';
import type { KeyRevision, PublishKeysRepository, StoredKeyState } from './storage/publish-keys.repository';
import { verifyCertificate } from './verification/certificate';
import { tracePublishStore, tracePublishVerify } from '../../core/tracing/publish-spans';
import type { TrustStore } from './verification/trust-store';

/** The rules a publish runs with (from config). */
export interface PublishSettings {
  requestLimits: RequestLimits;
  keyLimits: KeyValidationLimits;
  truncateWindowSeconds: number;
  leewaySeconds: number;
  maintenance: boolean;
}

/** What `publish` needs; no koa context, so tests and other transports can call it directly. */
export interface PublishDeps {
  keys: PublishKeysRepository;
  trust: TrustStore;
  revisionKeys: RevisionKeyRing;
  now: () => Date;
  settings: PublishSettings;
}

/** A successful publish. `warnings` lists dropped keys; non-empty means a partial failure. */
export interface PublishResult {
  revisionToken: string;
  insertedExposures: number;
  warnings: string[];
}

/**
 * The publish use case (docs/publish-api.md): request rules, app and certificate, per-key rules and derived
 * fields, then one all-or-nothing store that inserts new keys and revises re-sent ones under the rules of
 * the revision token. Throws AppErrors for every client mistake.
 */
export async function publish(
  deps: PublishDeps,
  request: PublishRequest,
  client: { platform: Platform } = { platform: 'unknown' },
): Promise<PublishResult> {
  const { settings } = deps;
  if (settings.maintenance) throw new MaintenanceError();
  checkRequestRules(request.temporaryExposureKeys, settings.requestLimits);

  const app = await deps.trust.app(request.healthAuthorityID);
  if (!app) throw new UnknownHealthAuthorityIdError();
  const now = deps.now();

  let reportType: ReportType = '';
  let certificateOnset: number | undefined;
  let healthAuthorityId: number | null = null;
  if (!app.bypassVerification) {
    const certificate = await tracePublishVerify(() =>
      verifyCertificate({
        token: request.verificationPayload,
        hmacKey: request.hmacKey,
        keys: request.temporaryExposureKeys,
        app,
        now,
        leewaySeconds: settings.leewaySeconds,
        authority: (iss) => deps.trust.authority(iss),
      }),
    );
    reportType = certificate.reportType;
    certificateOnset = certificate.symptomOnsetInterval;
    healthAuthorityId = certificate.healthAuthorityId;
  }

  // A token that does not open (malformed, forged, or sealed with a key destroyed after 15 days) is treated
  // as absent, as the reference server does: apps send their stored token with every later publish, so
  // refusing it would block new keys for good. It only matters, as invalid_revision_token, when the request
  // re-sends stored keys (see planWrites).
  let token: TokenState = { kind: 'absent' };
  if (request.revisionToken !== '') {
    const opened = await deps.revisionKeys.open(request.revisionToken);
    token = opened ? { kind: 'opened', keys: opened } : { kind: 'unusable' };
  }

  const onsetInterval = chooseOnsetInterval(request.symptomOnsetInterval, certificateOnset, now);
  const { keys, warnings } = transformKeys(request.temporaryExposureKeys, {
    now,
    truncateWindowSeconds: settings.truncateWindowSeconds,
    limits: settings.keyLimits,
    reportType,
    onsetInterval,
    regions: app.allowedRegions,
    traveler: request.traveler,
    healthAuthorityId,
  });
  if (keys.length === 0) throw new BadRequestError('no valid keys in the request', 'bad_request', { warnings });

  // Sealed before storing, so that a stored publish always gets its token back.
  const revisionToken = await deps.revisionKeys.seal(
    nextTokenKeys(token.kind === 'opened' ? token.keys : [], keys, now, settings.keyLimits.maxIntervalAgeDays),
  );
  // Stats are kept for certified publishes only, per authority (docs/stats.md), as the reference does.
  const onsetGiven = isUsableOnset(request.symptomOnsetInterval, now) || isUsableOnset(certificateOnset, now);
  const currentInterval = intervalNumber(now);
  const stats =
    healthAuthorityId === null
      ? undefined
      : {
          healthAuthorityId,
          hour: statsHour(now),
          platform: client.platform,
          oldestDays: Math.max(0, ...keys.map((k) => daysBetweenIntervals(k.intervalNumber, currentInterval))),
          onsetDaysAgo: onsetGiven ? onsetDaysAgo(onsetInterval, now) : null,
        };
  const outcome = await tracePublishStore(keys.length, () =>
    deps.keys.store(keys, (existing) => planWrites(keys, existing, token, app), {
      alwaysPlan: reportType === 'negative',
      stats,
    }),
  );
  return { revisionToken, insertedExposures: outcome.inserted + outcome.revised, warnings };
}

/** The request's revision token: none sent, sent but unusable, or opened with the keys it lists. */
type TokenState = { kind: 'absent' } | { kind: 'unusable' } | { kind: 'opened'; keys: RevisableKey[] };

function tokenLists(tokenKeys: readonly RevisableKey[], stored: StoredKeyState): boolean {
  return tokenKeys.some(
    (t) =>
      t.intervalNumber === stored.intervalNumber &&
      t.intervalCount === stored.intervalCount &&
      t.key.equals(stored.key),
  );
}

/** Throws unless the request's token opened and lists this stored key. */
function checkTokenCovers(token: TokenState, stored: StoredKeyState): void {
  if (token.kind === 'absent') {
    throw new RevisionError(PUBLISH_CODES.missingRevisionToken, 'a revision token is required to re-send keys');
  }
  if (token.kind === 'unusable')
    throw new RevisionError(PUBLISH_CODES.invalidRevisionToken, 'revision token is invalid');
  if (!tokenLists(token.keys, stored)) {
    throw new RevisionError(PUBLISH_CODES.invalidRevisionToken, 'revision token does not cover the re-sent keys');
  }
}

/**
 * New keys are inserted (except negative ones); re-sent keys need a token listing them (unless the app bypasses tokens) and an
 * allowed report-type change. The same type again changes nothing; a key is revised at most once.
 */
function planWrites(
  keys: readonly ExposureKey[],
  existing: readonly StoredKeyState[],
  token: TokenState,
  app: AuthorizedAppInfo,
): { insert: ExposureKey[]; revise: KeyRevision[] } {
  const stored = new Map(existing.map((e) => [e.key.toString('hex'), e]));
  const insert: ExposureKey[] = [];
  const revise: KeyRevision[] = [];
  for (const key of keys) {
    const old = stored.get(key.key.toString('hex'));
    if (!old) {
      // A negative result only revokes keys published before (as in the reference server): a key never
      // published is nobody's exposure risk and is not handed to every phone. It is still in the token.
      if (key.reportType !== 'negative') insert.push(key);
      continue;
    }
    if (!app.bypassRevisionToken) checkTokenCovers(token, old);
    if (key.reportType === (old.revisedReportType ?? old.reportType)) continue;
    if (old.revisedAt !== null) throw new RevisionError(PUBLISH_CODES.keyAlreadyRevised, 'key was already revised');
    if (checkRevision(old.reportType, key.reportType) !== 'allowed') {
      throw new RevisionError(PUBLISH_CODES.invalidReportTypeTransition, 'report type transition not allowed');
    }
    revise.push({
      key: key.key,
      reportType: key.reportType,
      // Never before the key's own created_at: a key stored while still valid is embargoed to after its
      // expiry, and its revision must not show it (in an earlier file's revised_keys) before that hour closed.
      revisedAt: key.createdAt < old.createdAt ? old.createdAt : key.createdAt,
      daysSinceOnset: key.daysSinceOnset,
      transmissionRisk: key.transmissionRisk,
    });
  }
  return { insert, revise };
}
