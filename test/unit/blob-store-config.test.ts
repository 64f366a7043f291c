import test from 'ava';
import { AzureBlobStore } from '../../core/blob-store/azure-blob-store';
import { createBlobStore } from '../../core/blob-store/create-blob-store';
import { FileBlobStore } from '../../core/blob-store/file-blob-store';
import { S3BlobStore } from '../../core/blob-store/s3-blob-store';
import { ConfigError } from '../../core/config/env';
import { parseHubConfig } from '../../hub/hub.config';
import { parseNodeConfig } from '../../node/node.config';

const KEY = 'c2VjcmV0LWFjY291bnQta2V5LW5ldmVyLXNob3du';
const CONNECTION = `DefaultEndpointsProtocol=https;AccountName=enfedprod;AccountKey=${KEY};EndpointSuffix=core.windows.net`;

function problems(env: NodeJS.ProcessEnv): ConfigError {
  return (() => {
    try {
      parseNodeConfig(env);
    } catch (err) {
      if (err instanceof ConfigError) return err;
      throw err;
    }
    throw new Error('expected a ConfigError');
  })();
}

test('the filesystem store is the default; azure and s3 build their stores from complete settings', (t) => {
  t.true(createBlobStore(parseNodeConfig({})) instanceof FileBlobStore);
  const azure = parseNodeConfig({
    BLOB_STORE: 'azure',
    AZURE_STORAGE_CONNECTION_STRING: CONNECTION,
    AZURE_STORAGE_CONTAINER: 'exports',
  });
  const azureStore = createBlobStore(azure);
  t.true(azureStore instanceof AzureBlobStore);
  t.is(azureStore.location, 'https://enfedprod.blob.core.windows.net/exports');
  const byAccount = createBlobStore(
    parseHubConfig({
      BLOB_STORE: 'azure',
      AZURE_STORAGE_ACCOUNT: 'enfedprod',
      AZURE_STORAGE_KEY: KEY,
      AZURE_STORAGE_CONTAINER: 'exports',
      BLOB_PUBLIC_URL: 'https://cdn.example.gov/exports',
    }),
  );
  t.is(byAccount.location, 'https://enfedprod.blob.core.windows.net/exports');
  const s3 = createBlobStore(parseHubConfig({ BLOB_STORE: 's3', S3_BUCKET: 'enfed-exports', S3_REGION: 'eu-west-1' }));
  t.true(s3 instanceof S3BlobStore);
  t.is(s3.location, 's3://enfed-exports (eu-west-1)');
});

test('an incomplete or contradictory store configuration is refused at start-up, every problem at once', (t) => {
  t.regex(
    problems({ BLOB_STORE: 'azure' }).message,
    /BLOB_STORE=azure: AZURE_STORAGE_CONTAINER is required; set AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY/,
  );
  t.regex(
    problems({
      BLOB_STORE: 'azure',
      AZURE_STORAGE_CONNECTION_STRING: CONNECTION,
      AZURE_STORAGE_ACCOUNT: 'other',
      AZURE_STORAGE_CONTAINER: 'exports',
    }).message,
    /AZURE_STORAGE_CONNECTION_STRING excludes AZURE_STORAGE_ACCOUNT/,
  );
  t.regex(
    problems({ BLOB_STORE: 's3', S3_BUCKET: 'b3k', S3_REGION: 'x1', S3_ENDPOINT: 'ftp://x' }).message,
    /S3_ENDPOINT: expected an http or https URL/,
  );
  t.regex(
    problems({ BLOB_STORE: 's3', S3_ACCESS_KEY_ID: 'AKIA' }).message,
    /BLOB_STORE=s3: S3_BUCKET is required; S3_REGION is required; S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together/,
  );
  t.regex(problems({ BLOB_STORE: 'gcs' }).message, /BLOB_STORE: Invalid enum value/);
  t.regex(
    problems({ BLOB_PUBLIC_URL: 'https://cdn.example.gov', S3_BUCKET: 'bucket1' }).message,
    /S3_BUCKET, BLOB_PUBLIC_URL: not used with BLOB_STORE=fs/,
  );
  t.regex(
    problems({ BLOB_STORE: 'azure', AZURE_STORAGE_CONTAINER: 'Bad_Name', AZURE_STORAGE_CONNECTION_STRING: CONNECTION })
      .message,
    /AZURE_STORAGE_CONTAINER: 3 to 63 lower-case letters/,
  );
});

test('store secrets are never shown in a configuration problem', (t) => {
  const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
  const error = problems({
    BLOB_STORE: 'azure',
    AZURE_STORAGE_CONNECTION_STRING: `${CONNECTION};`,
    AZURE_STORAGE_KEY: KEY,
    AZURE_STORAGE_CONTAINER: 'exports',
    S3_SECRET_ACCESS_KEY: secret,
    S3_REQUEST_CHECKSUMS: 'sometimes',
  });
  t.regex(error.message, /excludes AZURE_STORAGE_KEY/);
  t.regex(error.message, /S3_SECRET_ACCESS_KEY: not used with BLOB_STORE=azure/);
  t.regex(error.message, /S3_REQUEST_CHECKSUMS/);
  for (const value of [KEY, secret, 'AccountKey']) t.false(error.message.includes(value), value);
});
