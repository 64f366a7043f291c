import test from 'ava';
import {
  CreateBucketCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { S3BlobStore } from '../../../core/blob-store/s3-blob-store';
import { startCephRgw, type CephRgw } from '../../helpers/ceph-rgw';
import { blobStoreContract, objectStoreServerTests, type StoreUnderTest } from './blob-store-contract';

// The export pipeline against a real S3 implementation: Ceph's radosgw (Debian package), started for this file on
// free ports (about 12 s) and stopped with it. Real SigV4, multipart uploads and 404/403 semantics.
let rgw: CephRgw | undefined;
let client: S3Client | undefined;
let sut: StoreUnderTest | undefined;
const BUCKET = 'exports';
const REGION = 'us-east-1';

test.before(async () => {
  rgw = await startCephRgw();
  const s3 = new S3Client({
    endpoint: rgw.endpoint,
    region: REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  client = s3;
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const env = {
    BLOB_STORE: 's3',
    S3_ENDPOINT: rgw.endpoint,
    S3_REGION: REGION,
    S3_BUCKET: BUCKET,
    S3_FORCE_PATH_STYLE: 'true',
    S3_ACCESS_KEY_ID: rgw.accessKeyId,
    S3_SECRET_ACCESS_KEY: rgw.secretAccessKey,
  };
  sut = {
    kind: 's3',
    store: new S3BlobStore({
      endpoint: rgw.endpoint,
      region: REGION,
      bucket: BUCKET,
      forcePathStyle: true,
      credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey },
    }),
    env,
    list: async (prefix) => {
      const names: string[] = [];
      let token: string | undefined;
      do {
        const page = await s3.send(
          new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, ContinuationToken: token, MaxKeys: 2 }),
        );
        for (const object of page.Contents ?? []) names.push(object.Key!);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return names.sort();
    },
    hasUncommitted: async (name) => {
      const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: name }));
      for (const upload of uploads.Uploads ?? []) {
        if (upload.Key !== name) continue;
        const parts = await s3.send(new ListPartsCommand({ Bucket: BUCKET, Key: name, UploadId: upload.UploadId }));
        if ((parts.Parts ?? []).length > 0) return true;
      }
      return false;
    },
  };
});

test.after.always(async () => {
  await sut?.store.close();
  client?.destroy();
  await rgw?.stop();
});

blobStoreContract(test, 's3', () => sut!);
objectStoreServerTests(
  test,
  's3',
  () => sut!,
  () => ({ env: { ...sut!.env, S3_BUCKET: 'missing-bucket' }, secrets: [rgw!.secretAccessKey] }),
);
