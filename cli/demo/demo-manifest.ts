import { readFile } from 'node:fs/promises';
import type { DemoOptions } from './demo-options';
import { splitDatabaseUrl } from '../../core/db/admin';
import type { DemoPlan, DemoServer } from './demo-plan';
import type { ProvisionedServer } from './provision';

/** The manifest app developers and interop tests read (issue 4 gives the fields). */
export async function buildManifest(
  plan: DemoPlan,
  options: DemoOptions,
  hub: ProvisionedServer,
  nodes: ProvisionedServer[],
) {
  const http = (port: number) => `http://127.0.0.1:${port}`;
  const read = (name: string) => readFile(`${plan.certDir}/${name}`, 'utf8');
  // Where each server lives on this machine, for tools and test suites that reach past the public URLs.
  const local = (s: DemoServer) => ({
    httpPort: s.httpPort,
    grpcPort: s.grpcPort,
    database: splitDatabaseUrl(s.databaseUrl).name,
    redisPrefix: s.redisPrefix,
    certPath: `${plan.certDir}/${s.name}.crt`,
    keyPath: `${plan.certDir}/${s.name}.key`,
    logFile: s.logFile,
  });
  return {
    hub: {
      name: plan.hub.name,
      ...local(plan.hub),
      grpcAddress: `127.0.0.1:${plan.hub.grpcPort}`,
      exportIndexUrl: `${http(plan.hub.httpPort)}/exports/${hub.exportRoot}/index.txt`,
      exportBaseUrl: `${http(plan.hub.httpPort)}/exports/`,
      statusUrl: `${http(plan.hub.httpPort)}/status`,
      metricsUrl: `${http(plan.hub.httpPort)}/metrics`,
      signingPublicKeyPem: hub.signingPublicKeyPem,
      verificationKeyId: hub.verificationKeyId,
      verificationKeyVersion: hub.verificationKeyVersion,
    },
    nodes: nodes.map((n) => {
      const ha = n.healthAuthority!;
      return {
        name: n.server.name,
        region: n.server.region as string,
        ...local(n.server),
        publishUrl: `${http(n.server.httpPort)}/v1/publish`,
        exportIndexUrl: `${http(n.server.httpPort)}/exports/${n.exportRoot}/index.txt`,
        exportBaseUrl: `${http(n.server.httpPort)}/exports/`,
        grpcAddress: `127.0.0.1:${n.server.grpcPort}`,
        metricsUrl: `${http(n.server.httpPort)}/metrics`,
        signingPublicKeyPem: n.signingPublicKeyPem,
        verificationKeyId: n.verificationKeyId,
        verificationKeyVersion: n.verificationKeyVersion,
        healthAuthority: {
          healthAuthorityID: ha.healthAuthorityID,
          iss: ha.iss,
          aud: ha.aud,
          kid: ha.kid,
          privateKeyPem: ha.privateKeyPem,
        },
      };
    }),
    certDir: plan.certDir,
    caCertPath: `${plan.certDir}/ca.crt`,
    partner: {
      clientCertPath: `${plan.certDir}/partner.crt`,
      clientKeyPath: `${plan.certDir}/partner.key`,
      clientCertPem: await read('partner.crt'),
      clientKeyPem: await read('partner.key'),
      serverCaCertPem: await read('ca.crt'),
    },
    timing: {
      truncateWindowSeconds: options.truncateWindowSeconds,
      exportPeriodSeconds: options.exportPeriodSeconds,
      pullIntervalSeconds: options.pullIntervalSeconds,
    },
  };
}

export type DemoManifest = Awaited<ReturnType<typeof buildManifest>>;
