import test from 'ava';
import { decodeFetchResponse, encodeFetchResponse } from '../../../core/federation/fetch-response-encoding';
import {
  loadFederationProto,
  type FederationFetchResponse,
  type WireExposureKey,
} from '../../../core/federation/federation.proto';
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

// The direct decoder must read what proto-loader's deserializer (decode, then toObject with defaults) reads.
const readViaProtoLoader = (bytes: Buffer): FederationFetchResponse =>
  loadFederationProto().service.Fetch!.responseDeserialize(bytes);
const plainKey = (k: WireExposureKey) => ({
  exposureKey: Buffer.from(k.exposureKey),
  transmissionRisk: k.transmissionRisk,
  intervalNumber: k.intervalNumber,
  intervalCount: k.intervalCount,
  reportType: k.reportType,
  daysSinceOnsetOfSymptoms: k.daysSinceOnsetOfSymptoms,
  hasSymptomOnset: k.hasSymptomOnset,
  traveler: k.traveler,
  regions: [...k.regions],
});
const plain = (r: FederationFetchResponse) => ({
  ...r,
  keys: r.keys.map(plainKey),
  revisedKeys: r.revisedKeys.map(plainKey),
});

test('a page decodes as through proto-loader: values, absent fields as defaults, int64 cursors as numbers', (t) => {
  // A sender that leaves fields out (proto3 defaults): only the key bytes on one key, nothing at all on another.
  const sparse = [{ exposureKey: Buffer.alloc(16, 9) }, {}] as unknown as WireExposureKey[];
  const bytes = encodeFetchResponse({
    keys: [key(1), key(2, { regions: [] }), ...sparse],
    revisedKeys: [key(3, { reportType: 'revoked' })],
    partialResponse: true,
    nextFetchState: { keyCursor: { timestamp: 1_790_000_000, nextToken: 'abc' }, revisedKeyCursor: null },
  });
  const direct = decodeFetchResponse(bytes);
  t.deepEqual(plain(direct), plain(readViaProtoLoader(bytes)));
  t.is(direct.nextFetchState?.keyCursor?.timestamp, 1_790_000_000);
  t.is(direct.keys[3]?.exposureKey.length, 0);
});

test('an empty last page decodes as through proto-loader', (t) => {
  const bytes = encodeFetchResponse({ keys: [], revisedKeys: [], partialResponse: false, nextFetchState: null });
  t.deepEqual(plain(decodeFetchResponse(bytes)), plain(readViaProtoLoader(bytes)));
});
