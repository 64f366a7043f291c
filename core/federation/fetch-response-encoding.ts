import type { ServiceDefinition } from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { FEDERATION_PROTO_PATH, type FederationFetchResponse, type WireCursor } from './federation.proto';

let responseType: protobuf.Type | undefined;

function responseTypeOf(): protobuf.Type {
  responseType ??= protobuf.loadSync(FEDERATION_PROTO_PATH).lookupType('FederationFetchResponse');
  return responseType;
}

/**
 * Encodes a Fetch response straight from our plain objects. proto-loader's serializer first copies every message
 * through protobufjs `fromObject` (one more object per key and per regions list: a 10,000-key page is 20,000
 * objects of garbage); our responses are built with the wire types already (key-wire.ts, fetch-cursor.ts), so
 * `encode` takes them as they are and writes the same bytes.
 */
export function encodeFetchResponse(response: FederationFetchResponse): Buffer {
  const bytes = responseTypeOf()
    .encode(response as unknown as protobuf.Message)
    .finish();
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

/**
 * Decodes a Fetch response into the shape proto-loader gives (`defaults: true`, `longs: Number`, enums as numbers)
 * without its `toObject` copy of every key: protobufjs' decoded messages already read as our wire types, with
 * absent fields falling back to the proto3 defaults on their prototypes. Only the cursors are copied out, their
 * int64 timestamps as numbers (unix seconds fit).
 */
export function decodeFetchResponse(bytes: Buffer): FederationFetchResponse {
  const message = responseTypeOf().decode(bytes) as unknown as FederationFetchResponse;
  const state = message.nextFetchState;
  return {
    keys: message.keys,
    revisedKeys: message.revisedKeys,
    partialResponse: message.partialResponse,
    nextFetchState: state
      ? { keyCursor: cursor(state.keyCursor), revisedKeyCursor: cursor(state.revisedKeyCursor) }
      : null,
  };
}

function cursor(c: WireCursor | null): WireCursor | null {
  if (!c) return null;
  const timestamp = c.timestamp as number | { toNumber(): number };
  return { timestamp: typeof timestamp === 'number' ? timestamp : timestamp.toNumber(), nextToken: c.nextToken };
}

/** The Federation service with Fetch responses decoded by `decodeFetchResponse` (for clients). */
export function withDirectFetchDecoding(service: ServiceDefinition): ServiceDefinition {
  const fetch = service.Fetch;
  if (!fetch) return service;
  return { ...service, Fetch: { ...fetch, responseDeserialize: (bytes: Buffer) => decodeFetchResponse(bytes) } };
}
