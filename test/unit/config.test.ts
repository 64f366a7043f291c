import test from 'ava';
import { ConfigError } from '../../core/config/env';
import { parseHubConfig } from '../../hub/hub.config';
import { parseNodeConfig } from '../../node/node.config';

test('a node config with defaults only is valid and uses the spec’s production values', (t) => {
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
