import type { ServiceDefinition } from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { FEDERATION_PROTO_PATH, type FederationFetchResponse } from './federation.proto';

let responseType: protobuf.Type | undefined;

/**
 * Encodes a Fetch response straight from our plain objects. proto-loader's serializer first copies every message
 * through protobufjs `fromObject` (one more object per key and per regions list: a 10,000-key page is 20,000
 * objects of garbage); our responses are built with the wire types already (key-wire.ts, fetch-cursor.ts), so
 * `encode` takes them as they are and writes the same bytes.
 */
export function encodeFetchResponse(response: FederationFetchResponse): Buffer {
  responseType ??= protobuf.loadSync(FEDERATION_PROTO_PATH).lookupType('FederationFetchResponse');
  const bytes = responseType.encode(response as unknown as protobuf.Message).finish();
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The Federation service with Fetch responses encoded by `encodeFetchResponse`. */
export function withDirectFetchEncoding(service: ServiceDefinition): ServiceDefinition {
  const fetch = service.Fetch;
  if (!fetch) return service;
  return {
    ...service,
    Fetch: { ...fetch, responseSerialize: (response: FederationFetchResponse) => encodeFetchResponse(response) },
  };
}
