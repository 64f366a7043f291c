import { truncate } from '../keys/intervals';
import { normalizeRegions } from '../keys/regions';
import { decodeCursor, encodeCursor, requestScope, type KeysetPosition } from './fetch-cursor';
import type { FederationFetchRequest, FederationFetchResponse } from './federation.proto';
import type { FederationOutRepository, KeyFilter } from './federation-out.repository';
import type { ServedKeyRow } from './served-key-rows';
import { toWireKey } from './key-wire';
import type { PartnerAuthorization } from './partner-authorization.repository';
import { effectiveRegions, trimRegions, type EffectiveRegions } from './region-filter';
import { addSpanAttributes } from '../tracing/spans';

/** Default server cap on keys per page (docs/federation.md). */
export const DEFAULT_MAX_PAGE_SIZE = 500;

/** What serving one Fetch call needs. */
export interface FetchKeysDeps {
  keys: FederationOutRepository;
  /** Server cap on keys per page (FEDERATION_MAX_PAGE_SIZE). */
  maxPageSize: number;
  /** Arrival timestamps are truncated to this window; only closed windows are served. */
  truncateWindowSeconds: number;
  /** A window counts as closed this long after it ends (late commits land first); see FEDERATION_CLOSE_GRACE. */
  closeGraceSeconds: number;
  now: () => Date;
}

/**
 * Serves one Federation.Fetch page to an authenticated partner (caller-identity.ts: certificate and token
 * partners get the same region intersection; docs/federation.md, "Paging and cursors"). Primary keys come
 * first, then revised keys, each stream with its own exact keyset cursor; a page holds at most
 * min(maxExposureKeys, cap) keys and `partialResponse` says whether more are waiting right now.
 */
export async function fetchKeys(
  deps: FetchKeysDeps,
  partner: PartnerAuthorization,
  request: FederationFetchRequest,
): Promise<FederationFetchResponse> {
  const effective = effectiveRegions(request, partner);
  const scope = requestScope({
    includeRegions: normalizeRegions(request.includeRegions),
    excludeRegions: normalizeRegions(request.excludeRegions),
    onlyTravelers: request.onlyTravelers,
    onlyLocalProvenance: request.onlyLocalProvenance,
  });
  let keyPosition = decodeCursor(request.state?.keyCursor, scope);
  let revisedPosition = decodeCursor(request.state?.revisedKeyCursor, scope);
  const pageSize = Math.min(request.maxExposureKeys > 0 ? request.maxExposureKeys : deps.maxPageSize, deps.maxPageSize);

  const response: FederationFetchResponse = { keys: [], revisedKeys: [], partialResponse: false, nextFetchState: null };
  if (effective.include.length > 0) {
    const filter: KeyFilter = {
      include: effective.include,
      exclude: effective.exclude,
      onlyTravelers: request.onlyTravelers,
      onlyLocalProvenance: request.onlyLocalProvenance,
      excludeOriginQueryId: partner.originQueryId,
      closedBefore: truncate(
        new Date(deps.now().getTime() - deps.closeGraceSeconds * 1000),
        deps.truncateWindowSeconds,
      ),
    };
    // One row more than the page tells whether the stream has more without a count query.
    const primary = await deps.keys.primaryAfter(keyPosition, pageSize + 1, filter);
    response.partialResponse = cutToPage(primary, pageSize);
    keyPosition = lastPosition(primary, keyPosition);
    response.keys = primary.map((row) => wire(row, effective));

    if (!response.partialResponse) {
      const room = pageSize - primary.length;
      const revised = await deps.keys.revisedAfter(revisedPosition, room + 1, filter);
      response.partialResponse = cutToPage(revised, room);
      revisedPosition = lastPosition(revised, revisedPosition);
      response.revisedKeys = revised.map((row) => wire(row, effective));
    }
  }
  response.nextFetchState = {
    keyCursor: encodeCursor(keyPosition, scope),
    revisedKeyCursor: encodeCursor(revisedPosition, scope),
  };
  addSpanAttributes({
    'enfed.fetch.page_size': pageSize,
    'enfed.fetch.keys': response.keys.length,
    'enfed.fetch.revised_keys': response.revisedKeys.length,
    'enfed.fetch.partial': response.partialResponse,
  });
  return response;
}

/** Cuts `rows`, read with one row more than `limit`, back to `limit`; true when that extra row was there. */
function cutToPage(rows: ServedKeyRow[], limit: number): boolean {
  if (rows.length <= limit) return false;
  rows.length = limit;
  return true;
}

function lastPosition(rows: ServedKeyRow[], fallback: KeysetPosition): KeysetPosition {
  const last = rows[rows.length - 1];
  return last ? { micros: last.micros, key: last.key } : fallback;
}

/** One served row on the wire, its regions trimmed to what the partner may see (one object per key, no copy). */
function wire(row: ServedKeyRow, effective: EffectiveRegions) {
  const key = toWireKey(row);
  key.regions = trimRegions(row.regions, effective);
  return key;
}
