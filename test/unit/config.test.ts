import test from 'ava';
import { ConfigError } from '../../core/config/env';
import { closeGraceSeconds } from '../../core/federation/federation-out.config';
import { generateTestCerts } from '../helpers/federation-certs';
import { parseHubConfig } from '../../hub/hub.config';
import { parseNodeConfig } from '../../node/node.config';

test('a node config with defaults only is valid and uses the documented production values', (t) => {
  const config = parseNodeConfig({});
  t.is(config.TRUNCATE_WINDOW, 3600);
  t.is(config.RETENTION, 14 * 86400);
  t.is(config.MAX_KEYS_ON_PUBLISH, 30);
  t.is(config.FEDERATION_MAX_PAGE_SIZE, 500);
  t.is(config.DATABASE_POOL_SIZE, 10);
});

test('every bad variable is reported at once, secrets are not echoed', (t) => {
  const error = t.throws(
    () =>
      parseNodeConfig({
        DATABASE_URL: 'mysql://x',
        HTTP_PORT: '70000',
        TRUNCATE_WINDOW: 'soon',
        LOG_LEVEL: 'loud',
        PUBLISH_MAINTENANCE_MODE: 'perhaps',
      }),
    { instanceOf: ConfigError },
  );
  const names = error.problems.map((p) => p.split(':')[0]).sort();
  t.deepEqual(names, ['DATABASE_URL', 'HTTP_PORT', 'LOG_LEVEL', 'PUBLISH_MAINTENANCE_MODE', 'TRUNCATE_WINDOW']);
  t.regex(error.message, /HTTP_PORT: expected a whole number from 0 to 65535 \(got "70000"\)/);
});

test('durations accept s, m, h and d', (t) => {
  const config = parseHubConfig({
    TRUNCATE_WINDOW: '10s',
    EXPORT_MIN_WINDOW_AGE: '2m',
    RETENTION: '14d',
    FEDERATION_PULL_DEADLINE: '1h',
  });
  t.is(config.TRUNCATE_WINDOW, 10);
  t.is(config.EXPORT_MIN_WINDOW_AGE, 120);
  t.is(config.RETENTION, 14 * 86400);
  t.is(config.FEDERATION_PULL_DEADLINE, 3600);
});

test('cross-variable rules are reported with every other problem, before anything is opened', (t) => {
  const error = t.throws(
    () =>
      parseNodeConfig({
        ENFED_COMPONENTS: 'pubish,export',
        RETENTION: '5d',
        HTTP_PORT: 'eighty',
        REVISION_KEY_ROTATION_PERIOD: '20d',
        FEDERATION_CLOSE_GRACE: '31m',
      }),
    { instanceOf: ConfigError },
  );
  t.is(error.problems.length, 5, error.message);
  t.regex(
    error.message,
    /ENFED_COMPONENTS: "pubish" is not a node component \(publish, federation-out, export, cleanup, codes, covid-alert, device-api, app-metrics\)/,
  );
  t.regex(error.message, /RETENTION: must be at least 10d/);
  t.regex(error.message, /HTTP_PORT: expected a whole number/);
  t.regex(error.message, /REVISION_KEY_RETENTION: must be longer than REVISION_KEY_ROTATION_PERIOD/);
  t.regex(error.message, /FEDERATION_CLOSE_GRACE: at most half of TRUNCATE_WINDOW \(1800s; got 1860s\)/);
  t.throws(() => parseHubConfig({ ENFED_COMPONENTS: 'publish' }), { message: /"publish" is not a hub component/ });
  t.throws(() => parseHubConfig({ FEDERATION_PULL_CONCURRENCY: '9' }), { message: /at most DATABASE_POOL_SIZE − 2/ });
});

test('the close grace defaults to 60 s, or half the truncate window when that is shorter', (t) => {
  t.is(closeGraceSeconds(parseNodeConfig({})), 60);
  t.is(closeGraceSeconds(parseNodeConfig({ TRUNCATE_WINDOW: '10s' })), 5);
  t.is(closeGraceSeconds(parseNodeConfig({ TRUNCATE_WINDOW: '10s', FEDERATION_CLOSE_GRACE: '2s' })), 2);
});

test('credentials in a URL are never echoed, even when it does not parse', (t) => {
  const bad = t.throws(() => parseNodeConfig({ DATABASE_URL: 'mysql://admin:hunter2@db/enfed' }), {
    instanceOf: ConfigError,
  });
  t.notRegex(bad.message, /hunter2/);
  t.regex(bad.message, /DATABASE_URL: .*mysql:\/\/admin:\*\*\*@db\/enfed/);
  const malformed = t.throws(() => parseNodeConfig({ REDIS_URL: 'redis://:sec ret@[bad/' }), {
    instanceOf: ConfigError,
  });
  t.notRegex(malformed.message, /sec ret/);
});

test('TLS files: missing, unreadable or mismatched files are named with their variable', async (t) => {
  const certs = await generateTestCerts(['node-a']);
  try {
    const ok = certs.serverEnv('node-a');
    t.notThrows(() => parseNodeConfig(ok));
    const missing = t.throws(() => parseNodeConfig({ ...ok, TLS_CERT_PATH: '/nonexistent/node.crt' }), {
      instanceOf: ConfigError,
    });
    t.regex(missing.message, /TLS_CERT_PATH: \/nonexistent\/node\.crt: no such file/);
    const mismatched = t.throws(() => parseNodeConfig({ ...ok, TLS_KEY_PATH: certs.keyPath('hub') }), {
      instanceOf: ConfigError,
    });
    t.regex(mismatched.message, /TLS_KEY_PATH: .*hub\.key: this key does not belong to the certificate/);
    const half = t.throws(() => parseNodeConfig({ TLS_CERT_PATH: certs.certPath('node-a') }), {
      instanceOf: ConfigError,
    });
    t.regex(half.message, /TLS_KEY_PATH: required with the other TLS settings/);
    t.throws(() => parseNodeConfig({ ENFED_COMPONENTS: 'federation-out' }), { message: /federation-out needs TLS/ });
  } finally {
    await certs.destroy();
  }
});

test('MIGRATE_ON_START defaults to true and can be turned off for a separate migration job', (t) => {
  t.true(parseNodeConfig({}).MIGRATE_ON_START);
  t.false(parseNodeConfig({ MIGRATE_ON_START: 'false' }).MIGRATE_ON_START);
  t.false(parseHubConfig({ MIGRATE_ON_START: '0' }).MIGRATE_ON_START);
  const error = t.throws(() => parseHubConfig({ MIGRATE_ON_START: 'later' }), { instanceOf: ConfigError });
  t.regex(error.message, /MIGRATE_ON_START: expected true or false/);
});

test('rate limits: POINTS/WINDOW or 0, defaults on, a malformed one reported by name', (t) => {
  const defaults = parseNodeConfig({});
  t.is(defaults.RATE_LIMIT_PUBLISH, '60/1m');
  t.is(defaults.CLIENT_IP_PROXIES, 0);
  t.is(parseNodeConfig({ RATE_LIMIT_CLAIM: '0' }).RATE_LIMIT_CLAIM, '0');
  const error = t.throws(() => parseNodeConfig({ RATE_LIMIT_PUBLISH: '60 a minute' }), { instanceOf: ConfigError });
  t.regex(error.message, /RATE_LIMIT_PUBLISH: expected POINTS\/WINDOW/);
});
