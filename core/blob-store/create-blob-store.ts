import type { CommonConfig } from '../config/common.config';
import { AzureBlobStore } from './azure-blob-store';
import type { BlobStore } from './blob-store';
import type { BlobStoreConfig } from './blob-store.config';
import { FileBlobStore } from './file-blob-store';
import { S3BlobStore } from './s3-blob-store';

/** The blob store a validated configuration names (blobStoreConfig's rules guarantee the settings it reads). */
export function createBlobStore(config: BlobStoreConfig & Pick<CommonConfig, 'BLOB_DIR'>): BlobStore {
  switch (config.BLOB_STORE) {
    case 'fs':
      return new FileBlobStore(config.BLOB_DIR);
    case 'azure':
      return new AzureBlobStore({
        connectionString: config.AZURE_STORAGE_CONNECTION_STRING,
        account: config.AZURE_STORAGE_ACCOUNT,
        accountKey: config.AZURE_STORAGE_KEY,
        endpoint: config.AZURE_STORAGE_ENDPOINT,
        container: config.AZURE_STORAGE_CONTAINER!,
      });
    case 's3':
      return new S3BlobStore({
        bucket: config.S3_BUCKET!,
        region: config.S3_REGION!,
        endpoint: config.S3_ENDPOINT,
        forcePathStyle: config.S3_FORCE_PATH_STYLE,
        credentials:
          config.S3_ACCESS_KEY_ID && config.S3_SECRET_ACCESS_KEY
            ? { accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY }
            : undefined,
        checksums: config.S3_REQUEST_CHECKSUMS,
      });
  }
}
