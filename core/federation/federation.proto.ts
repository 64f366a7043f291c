import { fileURLToPath } from 'node:url';
import { loadPackageDefinition, type ServiceClientConstructor, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

/** Path of the wire contract. */
export const FEDERATION_PROTO_PATH = fileURLToPath(new URL('../../proto/federation.proto', import.meta.url));

/** A cursor as on the wire (`timestamp` is unix seconds, loaded as a JS number). */
export interface WireCursor {
  timestamp: number;
  nextToken: string;
}

export interface WireFetchState {
  keyCursor: WireCursor | null;
  revisedKeyCursor: WireCursor | null;
}

/** An ExposureKey message with proto field names (`keepCase`). */
export interface WireExposureKey {
  exposureKey: Buffer;
  transmissionRisk: number;
  intervalNumber: number;
  intervalCount: number;
  reportType: number;
  daysSinceOnsetOfSymptoms: number;
  hasSymptomOnset: boolean;
  traveler: boolean;
  regions: string[];
}

export interface FederationFetchRequest {
  includeRegions: string[];
  excludeRegions: string[];
  onlyTravelers: boolean;
  onlyLocalProvenance: boolean;
  maxExposureKeys: number;
  state: WireFetchState | null;
}

export interface FederationFetchResponse {
  keys: WireExposureKey[];
  revisedKeys: WireExposureKey[];
  partialResponse: boolean;
  nextFetchState: WireFetchState | null;
}

/** The loaded service: its definition (for servers) and client constructor (for the hub's puller). */
export interface FederationProto {
  service: ServiceDefinition;
  Client: ServiceClientConstructor;
}

/**
 * Loads proto/federation.proto with the options our types assume: field names as written in the .proto,
 * int64 as numbers (unix seconds fit), enums as numbers, defaults filled in so every field is present.
 */
export function loadFederationProto(): FederationProto {
  loaded ??= parseFederationProto();
  return loaded;
}

/** Parsed once per process: parsing the .proto cost about 8 ms per upstream client (bench:hub-scale profile). */
let loaded: FederationProto | undefined;

function parseFederationProto(): FederationProto {
  const definition = loadSync(FEDERATION_PROTO_PATH, {
    keepCase: true,
    longs: Number,
    enums: Number,
    defaults: true,
    arrays: true,
    oneofs: false,
  });
  const Client = loadPackageDefinition(definition).Federation as ServiceClientConstructor;
  return { service: Client.service, Client };
}
