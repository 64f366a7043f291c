import test from 'ava';
import { encodeFetchResponse } from '../../../core/federation/fetch-response-encoding';
import { loadFederationProto, type FederationFetchResponse } from '../../../core/federation/federation.proto';
import { toWireKey } from '../../../core/federation/key-wire';

// The direct encoder must write exactly what proto-loader's serializer (fromObject, then encode) writes.
const viaProtoLoader = (response: FederationFetchResponse): Buffer =>
  loadFederationProto().service.Fetch!.responseSerialize(response);

const key = (byte: number, extra: Partial<Parameters<typeof toWireKey>[0]> = {}) =>
  toWireKey({
    key: Buffer.alloc(16, byte),
    transmissionRisk: 1 + (byte % 8),
    intervalNumber: 2_900_000 + byte,
    intervalCount: 144,
    regions: ['CA', 'US'],
    traveler: byte % 2 === 0,
    reportType: 'confirmed',
    daysSinceOnset: byte % 3 === 0 ? null : (byte % 15) - 7,
    ...extra,
  });

test('a full page encodes to the same bytes as through proto-loader', (t) => {
  const response: FederationFetchResponse = {
    keys: Array.from({ length: 50 }, (_, i) => key(i)),
    revisedKeys: [key(200, { reportType: 'revoked' }), key(201, { regions: [], reportType: 'not-a-type' })],
    partialResponse: true,
    nextFetchState: {
      keyCursor: { timestamp: 1_790_000_000, nextToken: 'azF8MTc5MDAwMDAwMDAwMDAwMHx8YWJj' },
      revisedKeyCursor: { timestamp: 0, nextToken: '' },
    },
  };
  t.deepEqual(encodeFetchResponse(response), viaProtoLoader(response));
});

test('an empty last page encodes to the same bytes as through proto-loader', (t) => {
  const response: FederationFetchResponse = {
    keys: [],
    revisedKeys: [],
    partialResponse: false,
    nextFetchState: null,
  };
  t.deepEqual(encodeFetchResponse(response), viaProtoLoader(response));
});
