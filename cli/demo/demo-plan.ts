import { resolve } from 'node:path';
import type { DemoOptions } from './demo-options';
import { nodeName } from './demo-regions';
import { demoTiming } from './demo-timing';

/** One server of the local federation. */
export interface DemoServer {
  /** Also its certificate name (certs/generate.sh) and its log file name. */
  name: string;
  role: 'node' | 'hub';
  /** The node's own region; the hub has none. */
  region?: string;
  databaseUrl: string;
  redisPrefix: string;
  httpPort: number;
  grpcPort: number;
  blobDir: string;
  logFile: string;
}

export interface DemoPlan {
  dir: string;
  certDir: string;
  hub: DemoServer;
  nodes: DemoServer[];
}

/** Where everything lives: fixed names, so a new run replaces a stopped one's (never a running one's: demo.lock). */
export function planDemo(options: DemoOptions, databaseUrl: string): DemoPlan {
  const dir = resolve(options.dir);
  const server = (name: string, role: 'node' | 'hub', index: number, region?: string): DemoServer => {
    const url = new URL(databaseUrl);
    url.pathname = `/enfed_${options.instance}_${name.replace(/-/g, '_')}`;
    return {
      name,
      role,
      region,
      databaseUrl: url.toString(),
      redisPrefix: `enfed-${options.instance}-${name}`,
      httpPort: options.basePort + index,
      grpcPort: options.basePort + 1000 + index,
      blobDir: `${dir}/blobs/${name}`,
      logFile: `${dir}/logs/${name}.log`,
    };
  };
  return {
    dir,
    certDir: `${dir}/certs`,
    hub: server('hub', 'hub', 0),
    nodes: options.regions.map((region, i) => server(nodeName(region), 'node', i + 1, region)),
  };
}

/**
 * The environment a demo server process runs with (the same variables an operator sets in production).
 * ENFED_INSTANCE names the server in its log lines.
 */
export function serverEnv(plan: DemoPlan, s: DemoServer, options: DemoOptions, redisUrl: string): NodeJS.ProcessEnv {
  const timing = demoTiming(options);
  return {
    PATH: process.env.PATH,
    ENFED_INSTANCE: s.name,
    DATABASE_URL: s.databaseUrl,
    REDIS_URL: redisUrl,
    REDIS_PREFIX: s.redisPrefix,
    LOG_LEVEL: options.logLevel,
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: String(s.httpPort),
    GRPC_HOST: '127.0.0.1',
    GRPC_PORT: String(s.grpcPort),
    TLS_CERT_PATH: `${plan.certDir}/${s.name}.crt`,
    TLS_KEY_PATH: `${plan.certDir}/${s.name}.key`,
    TLS_CLIENT_CA_PATH: `${plan.certDir}/ca.crt`,
    BLOB_DIR: s.blobDir,
    TRUNCATE_WINDOW: `${timing.truncateWindowSeconds}s`,
    EXPORT_SCHEDULE_INTERVAL: `${timing.exportJobIntervalSeconds}s`,
    EXPORT_WORKER_INTERVAL: `${timing.exportJobIntervalSeconds}s`,
    EXPORT_MIN_WINDOW_AGE: `${timing.minWindowAgeSeconds}s`,
    CLEANUP_INTERVAL: '60s',
    REVISION_KEY_CHECK_INTERVAL: '60s',
    FEDERATION_SYNC_INTERVAL: '5s',
    FEDERATION_BACKOFF_BASE: '5s',
    FEDERATION_BACKOFF_MAX: '60s',
    SHUTDOWN_TIMEOUT: '5s',
    // Small pools: a 20-node demo is 21 servers on one PostgreSQL (max_connections is often 100). Each server
    // holds at most twice this (ORM and bulk pool), and idle connections are closed.
    DATABASE_POOL_SIZE: s.role === 'hub' ? '4' : '2',
    FEDERATION_PULL_CONCURRENCY: '2',
    // Interop runs drive the demo from one address (`enfed generate`, probes, test suites): per-client limits
    // would throttle the tester, so the demo runs without them (production defaults keep them on).
    RATE_LIMIT_PUBLISH: '0',
    RATE_LIMIT_CLAIM: '0',
  };
}
