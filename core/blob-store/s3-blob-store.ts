import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { redactUrl } from '../config/redact';
import { UnavailableError } from '../errors/app-error';
import { isSafeBlobName, type BlobHeaders, type BlobInfo, type BlobStore, type BlobWrite } from './blob-store';
import { objectWrite } from './object-write';

/** How to reach one bucket of AWS S3 or an S3-compatible service. */
export interface S3BlobStoreOptions {
  bucket: string;
  region: string;
  /** Service endpoint of an S3-compatible store (Ceph RGW, MinIO…); default AWS. */
  endpoint?: string;
  /** Path-style addressing (`endpoint/bucket/key`), which most S3-compatible stores need. */
  forcePathStyle?: boolean;
  /** Static credentials; without them the SDK's default chain applies (environment, web identity, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /**
   * `when_required` sends checksums only where S3 requires them: stream uploads then carry no aws-chunked CRC
   * trailer, which S3-compatible stores such as Ceph 16 reject. `when_supported` is the SDK default.
   */
  checksums?: 'when_required' | 'when_supported';
  /** Bytes per multipart part (at least 5 MiB; memory per upload is about `partSize × concurrency`). */
  partSize?: number;
  concurrency?: number;
}

const DEFAULT_PART_SIZE = 5 * 1024 * 1024;
const DEFAULT_CONCURRENCY = 4;

function isNotFound(err: unknown): boolean {
  return err instanceof S3ServiceException && err.$metadata.httpStatusCode === 404;
}

/**
 * Export files in an S3 bucket (tested against Ceph's radosgw). Files stream up as a multipart upload that
 * becomes visible only when it is completed (a file smaller than one part is a single PUT); a crash leaves an
 * incomplete upload, which is invisible (a lifecycle rule should abort those after a day). Content-Type and
 * Cache-Control are stored with each object for the CDN in front.
 */
export class S3BlobStore implements BlobStore {
  readonly kind = 's3' as const;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly partSize: number;
  private readonly concurrency: number;
  readonly location: string;

  constructor(options: S3BlobStoreOptions) {
    const checksums = options.checksums === 'when_supported' ? 'WHEN_SUPPORTED' : 'WHEN_REQUIRED';
    this.client = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle ?? false,
      credentials: options.credentials,
      requestChecksumCalculation: checksums,
      responseChecksumValidation: checksums,
      // A store that stops answering fails the request (and the batch, retried after its lease) instead of
      // holding a worker forever.
      requestHandler: { connectionTimeout: 10_000, requestTimeout: 120_000 },
    });
    this.bucket = options.bucket;
    this.partSize = options.partSize ?? DEFAULT_PART_SIZE;
    this.concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    this.location = options.endpoint
      ? `${redactUrl(options.endpoint).replace(/\/+$/, '')}/${options.bucket}`
      : `s3://${options.bucket} (${options.region})`;
  }

  async check(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      const status = err instanceof S3ServiceException ? err.$metadata.httpStatusCode : undefined;
      const why =
        status === 404
          ? 'does not exist'
          : status === 403
            ? 'refuses these credentials'
            : `is not reachable: ${(err as Error).name}`;
      throw new UnavailableError(`S3 bucket ${this.location} ${why}`, 'blob_store_unavailable');
    }
  }

  private key(name: string): string {
    if (!isSafeBlobName(name)) throw new Error(`not a blob name: ${JSON.stringify(name)}`);
    return name;
  }

  async createWrite(name: string, headers: BlobHeaders): Promise<BlobWrite> {
    const key = this.key(name);
    return objectWrite((body) =>
      new Upload({
        client: this.client,
        partSize: this.partSize,
        queueSize: this.concurrency,
        leavePartsOnError: false,
        params: {
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: headers.contentType,
          CacheControl: headers.cacheControl,
        },
      }).done(),
    );
  }

  async writeAtomic(name: string, data: Buffer | string, headers: BlobHeaders): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.key(name),
        Body: typeof data === 'string' ? Buffer.from(data) : data,
        ContentType: headers.contentType,
        CacheControl: headers.cacheControl,
      }),
    );
  }

  async delete(name: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(name) }));
  }

  async stat(name: string): Promise<BlobInfo | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(name) }));
      return { size: head.ContentLength ?? 0, contentType: head.ContentType, cacheControl: head.CacheControl };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) if (object.Key) names.push(object.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return names.sort();
  }

  async read(name: string): Promise<Buffer | undefined> {
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(name) }));
      if (!object.Body) return Buffer.alloc(0);
      return Buffer.from(await object.Body.transformToByteArray());
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
