import { readFileSync } from 'node:fs';
import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { FederationClient } from '../../core/federation/federation-client';
import { loadFederationProto, type FederationFetchResponse } from '../../core/federation/federation.proto';
import type { ClientTlsFiles } from '../../core/tls/client-credentials';
import { CheckSkipped, expect, type ConformanceCheck } from './check';

/** Calls Fetch with server-verified TLS but no client certificate; resolves with the gRPC status code. */
function fetchWithoutClientCert(address: string, caCertPath: string, serverName?: string): Promise<number> {
  const { Client } = loadFederationProto();
  const options: Record<string, string> = serverName
    ? { 'grpc.ssl_target_name_override': serverName, 'grpc.default_authority': serverName }
    : {};
  const client = new Client(address, credentials.createSsl(readFileSync(caCertPath)), options);
  const fetchMethod = (client as unknown as { Fetch: (...args: unknown[]) => void }).Fetch.bind(client);
  return new Promise((resolve) => {
    fetchMethod({}, new Metadata(), { deadline: new Date(Date.now() + 10_000) }, (err: ServiceError | null) => {
      client.close();
      resolve(err ? err.code : 0);
    });
  });
}

/**
 * The federation checks against a Federation.Fetch address (docs/federation.md): mTLS refusal without a client
 * certificate, a fetch with one and its response shape, region filters, and paging with cursors.
 */
export function federationChecks(
  address: string,
  tls: ClientTlsFiles,
  region: string,
  serverName?: string,
): ConformanceCheck[] {
  const client = () => new FederationClient({ address, tls, serverName });
  let first: FederationFetchResponse | undefined;
  return [
    {
      group: 'federation',
      id: 'federation.mtls-required',
      title: 'a caller without a client certificate gets no keys',
      async run() {
        const code = await fetchWithoutClientCert(address, tls.caCertPath, serverName);
        expect(code !== 0, 'Fetch answered without a client certificate');
        return `refused (gRPC status ${code})`;
      },
    },
    {
      group: 'federation',
      id: 'federation.fetch',
      title: 'Fetch with the client certificate answers keys, revisedKeys, partialResponse and nextFetchState',
      async run() {
        const c = client();
        try {
          first = await c.fetch({ includeRegions: [region], maxExposureKeys: 1000 });
        } finally {
          c.close();
        }
        expect(Array.isArray(first.keys) && Array.isArray(first.revisedKeys), 'keys or revisedKeys missing');
        expect(first.nextFetchState !== null, 'no nextFetchState to resume from');
        const bad = first.keys.filter(
          (k) => k.exposureKey.length !== 16 || k.intervalCount < 1 || k.intervalCount > 144,
        );
        expect(bad.length === 0, `${bad.length} key(s) with a bad length or interval count`);
        return `${first.keys.length} keys, ${first.revisedKeys.length} revised in the first page`;
      },
    },
    {
      group: 'federation',
      id: 'federation.region-filter',
      title: 'includeRegions returns only keys of that region, and none for a region nobody publishes',
      async run() {
        if (!first || first.keys.length === 0) throw new CheckSkipped(`no key of ${region} to filter`);
        expect(
          first.keys.every((k) => k.regions.includes(region)),
          `a key outside ${region} with includeRegions [${region}]`,
        );
        const c = client();
        try {
          const none = await c.fetch({ includeRegions: ['ZZ-CONFORMANCE'], maxExposureKeys: 1000 });
          expect(none.keys.length === 0, `includeRegions [ZZ-CONFORMANCE] returned ${none.keys.length} key(s)`);
          return `${first.keys.length} key(s), all of ${region}; none for an unused region`;
        } finally {
          c.close();
        }
      },
    },
    {
      group: 'federation',
      id: 'federation.paging',
      title: 'maxExposureKeys 1 pages with partialResponse and cursors, without repeating a key',
      async run() {
        if (!first || first.keys.length < 2) throw new CheckSkipped('fewer than 2 keys to page through');
        const c = client();
        const seen = new Set<string>();
        try {
          let state = null;
          for (let page = 0; page < 5; page++) {
            const res: FederationFetchResponse = await c.fetch({ includeRegions: [region], maxExposureKeys: 1, state });
            expect(res.keys.length <= 1, `page of ${res.keys.length} keys with maxExposureKeys 1`);
            for (const k of res.keys) {
              const hex = k.exposureKey.toString('hex');
              expect(!seen.has(hex), 'a key came twice');
              seen.add(hex);
            }
            if (!res.partialResponse) break;
            expect(res.nextFetchState !== null, 'partialResponse without nextFetchState');
            state = res.nextFetchState;
          }
        } finally {
          c.close();
        }
        expect(seen.size >= 2, `only ${seen.size} key(s) over the pages`);
        return `${seen.size} distinct keys over pages of 1`;
      },
    },
  ];
}
