import test from 'ava';
import { ConfigError } from '../../../core/config/env';
import { parseHubConfig } from '../../../hub/hub.config';
import { parseNodeConfig } from '../../../node/node.config';
import { generateTestCerts } from '../../helpers/federation-certs';

test('the token listener is off by default, with a 60 s leeway and a 5 min key cache', (t) => {
  const config = parseNodeConfig({});
  t.is(config.GRPC_TOKEN_PORT, undefined);
  t.is(config.FEDERATION_TOKEN_LEEWAY, 60);
  t.is(config.FEDERATION_JWKS_CACHE, 300);
});

test('GRPC_TOKEN_PORT needs an audience, the TLS files and its own port; every problem at once', (t) => {
  const error = t.throws(
    () => parseHubConfig({ GRPC_TOKEN_PORT: '9090', FEDERATION_JWKS_CA_PATH: '/nonexistent.pem' }),
    {
      instanceOf: ConfigError,
    },
  );
  t.regex(error.message, /GRPC_TOKEN_PORT needs FEDERATION_TOKEN_AUDIENCE/);
  t.regex(error.message, /GRPC_TOKEN_PORT needs the TLS settings of federation-out/);
  t.regex(error.message, /GRPC_TOKEN_PORT: must differ from GRPC_PORT/);
  t.regex(error.message, /FEDERATION_JWKS_CA_PATH: \/nonexistent\.pem: no such file/);
});

test('a complete token listener configuration parses', async (t) => {
  const certs = await generateTestCerts([]);
  try {
    const config = parseNodeConfig({
      ...certs.serverEnv('hub'),
      GRPC_TOKEN_PORT: '9443',
      FEDERATION_TOKEN_AUDIENCE: 'https://node.example',
      FEDERATION_TOKEN_LEEWAY: '2m',
      FEDERATION_JWKS_CA_PATH: certs.caPath,
    });
    t.like(config, {
      GRPC_TOKEN_PORT: 9443,
      FEDERATION_TOKEN_LEEWAY: 120,
      FEDERATION_TOKEN_AUDIENCE: 'https://node.example',
    });
  } finally {
    await certs.destroy();
  }
});
