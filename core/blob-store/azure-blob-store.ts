import { BlobServiceClient, RestError, StorageSharedKeyCredential, type ContainerClient } from '@azure/storage-blob';
import { UnavailableError } from '../errors/app-error';
import {
  isSafeBlobName,
  writeWhole,
  type BlobHeaders,
  type BlobInfo,
  type BlobStore,
  type BlobWrite,
} from './blob-store';
import { objectWrite } from './object-write';

/** How to reach one container: a connection string, or an account name and key (and optionally its endpoint). */
export interface AzureBlobStoreOptions {
  connectionString?: string;
  account?: string;
  accountKey?: string;
  /** Blob service endpoint; default `https://<account>.blob.core.windows.net`. */
  endpoint?: string;
  container: string;
  /** Bytes per staged block (memory per upload is about `blockSize × concurrency`). */
  blockSize?: number;
  concurrency?: number;
}

const DEFAULT_BLOCK_SIZE = 4 * 1024 * 1024;
const DEFAULT_CONCURRENCY = 4;

function isNotFound(err: unknown): boolean {
  return err instanceof RestError && err.statusCode === 404;
}

/**
 * Export files in an Azure Blob Storage container (tested against Azurite). Large files stream up as staged
 * blocks and appear only when the block list is committed; small ones are single uploads. Either way a blob
 * becomes visible whole, with its Content-Type and Cache-Control stored for the CDN in front.
 */
export class AzureBlobStore implements BlobStore {
  readonly kind = 'azure' as const;
  private readonly container: ContainerClient;
  private readonly blockSize: number;
  private readonly concurrency: number;

  constructor(options: AzureBlobStoreOptions) {
    let service: BlobServiceClient;
    if (options.connectionString) {
      service = BlobServiceClient.fromConnectionString(options.connectionString);
    } else if (options.account && options.accountKey) {
      const endpoint = options.endpoint ?? `https://${options.account}.blob.core.windows.net`;
      service = new BlobServiceClient(endpoint, new StorageSharedKeyCredential(options.account, options.accountKey));
    } else {
      throw new Error('AzureBlobStore: a connection string, or an account and its key, is required');
    }
    this.container = service.getContainerClient(options.container);
    this.blockSize = options.blockSize ?? DEFAULT_BLOCK_SIZE;
    this.concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  }

  /** The container URL without its query (a SAS in a connection string would sit there). */
  get location(): string {
    return this.container.url.split('?')[0]!;
  }

  async check(): Promise<void> {
    let exists: boolean;
    try {
      exists = await this.container.exists();
    } catch (err) {
      throw new UnavailableError(
        `Azure blob store ${this.location} is not reachable: ${(err as Error).message}`,
        'blob_store_unavailable',
      );
    }
    if (!exists) {
      throw new UnavailableError(
        `Azure blob container ${this.location} does not exist (create it, with the access level the CDN needs)`,
        'blob_store_unavailable',
      );
    }
  }

  private blob(name: string) {
    if (!isSafeBlobName(name)) throw new Error(`not a blob name: ${JSON.stringify(name)}`);
    return this.container.getBlockBlobClient(name);
  }

  async createWrite(name: string, headers: BlobHeaders): Promise<BlobWrite> {
    const blob = this.blob(name);
    return objectWrite((body) =>
      blob.uploadStream(body, this.blockSize, this.concurrency, {
        blobHTTPHeaders: { blobContentType: headers.contentType, blobCacheControl: headers.cacheControl },
      }),
    );
  }

  async writeAtomic(name: string, data: Buffer | string, headers: BlobHeaders): Promise<void> {
    if (data.length > this.blockSize) return writeWhole(this, name, data, headers);
    const body = typeof data === 'string' ? Buffer.from(data) : data;
    // One Put Blob: atomic, and one request for the small index.
    await this.blob(name).uploadData(body, {
      blobHTTPHeaders: { blobContentType: headers.contentType, blobCacheControl: headers.cacheControl },
    });
  }

  async delete(name: string): Promise<void> {
    await this.blob(name).deleteIfExists();
  }

  async stat(name: string): Promise<BlobInfo | undefined> {
    try {
      const props = await this.blob(name).getProperties();
      return { size: props.contentLength ?? 0, contentType: props.contentType, cacheControl: props.cacheControl };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const names: string[] = [];
    for await (const blob of this.container.listBlobsFlat({ prefix })) names.push(blob.name);
    return names.sort();
  }

  async read(name: string): Promise<Buffer | undefined> {
    try {
      return await this.blob(name).downloadToBuffer();
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async close(): Promise<void> {}
}
