import { z } from 'zod';
import { configRule, configSection, type ConfigOf } from '../config/config-section';
import { flag } from '../config/env';
import { BLOB_STORE_KINDS } from './blob-store';

/** An optional http(s) URL (no default). */
const optionalUrl = z
  .string()
  .optional()
  .superRefine((value, ctx) => {
    if (value === undefined) return;
    try {
      if (!['http:', 'https:'].includes(new URL(value).protocol)) throw new Error('protocol');
    } catch {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'expected an http or https URL' });
    }
  });

/** Azure container names: 3–63 lower-case letters, digits and single hyphens. */
const azureContainer = z
  .string()
  .regex(/^(?=.{3,63}$)[a-z0-9]+(?:-[a-z0-9]+)*$/, '3 to 63 lower-case letters, digits and single hyphens')
  .optional();

/** S3 bucket names: 3–63 lower-case letters, digits, dots and hyphens, starting and ending alphanumeric. */
const s3Bucket = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, '3 to 63 lower-case letters, digits, . and -')
  .optional();

type BlobSettings = {
  BLOB_STORE: (typeof BLOB_STORE_KINDS)[number];
  BLOB_PUBLIC_URL?: string;
  AZURE_STORAGE_CONNECTION_STRING?: string;
  AZURE_STORAGE_ACCOUNT?: string;
  AZURE_STORAGE_KEY?: string;
  AZURE_STORAGE_ENDPOINT?: string;
  AZURE_STORAGE_CONTAINER?: string;
  S3_BUCKET?: string;
  S3_REGION?: string;
  S3_ENDPOINT?: string;
  S3_ACCESS_KEY_ID?: string;
  S3_SECRET_ACCESS_KEY?: string;
};

const AZURE_VARS = [
  'AZURE_STORAGE_CONNECTION_STRING',
  'AZURE_STORAGE_ACCOUNT',
  'AZURE_STORAGE_KEY',
  'AZURE_STORAGE_ENDPOINT',
  'AZURE_STORAGE_CONTAINER',
] as const;
const S3_VARS = ['S3_BUCKET', 'S3_REGION', 'S3_ENDPOINT', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'] as const;

/** Names of the variables of `vars` that are set. */
const setOf = (c: BlobSettings, vars: readonly (keyof BlobSettings)[]) => vars.filter((v) => c[v] !== undefined);

/**
 * Where export files are stored (node and hub alike): BLOB_STORE=fs (BLOB_DIR, served by the server itself),
 * azure (an Azure Blob Storage container) or s3 (a bucket of S3 or an S3-compatible store). Secrets (the
 * connection string, account key, secret access key) are never echoed in a configuration problem.
 */
export const blobStoreConfig = configSection(
  {
    BLOB_STORE: z.enum(BLOB_STORE_KINDS).default('fs'),
    /**
     * Object stores only: the public base URL of the files (the CDN in front of the container or bucket). The
     * server's /exports/ route then redirects there; without it that route is off.
     */
    BLOB_PUBLIC_URL: optionalUrl,
    /** Azure: a storage connection string (holds the account key or a SAS), or … */
    AZURE_STORAGE_CONNECTION_STRING: z.string().optional(),
    /** … the account name and its key (and the blob endpoint, default https://<account>.blob.core.windows.net). */
    AZURE_STORAGE_ACCOUNT: z
      .string()
      .regex(/^[a-z0-9]{3,24}$/, '3 to 24 lower-case letters and digits')
      .optional(),
    AZURE_STORAGE_KEY: z.string().optional(),
    AZURE_STORAGE_ENDPOINT: optionalUrl,
    AZURE_STORAGE_CONTAINER: azureContainer,
    S3_BUCKET: s3Bucket,
    S3_REGION: z
      .string()
      .regex(/^[a-z0-9-]{2,32}$/, 'a region name such as eu-west-1')
      .optional(),
    /** An S3-compatible service's endpoint; default AWS. */
    S3_ENDPOINT: optionalUrl,
    /** Path-style addressing (endpoint/bucket/key), needed by most S3-compatible services. */
    S3_FORCE_PATH_STYLE: flag(false),
    /** Static credentials; without them the AWS SDK's default chain (web identity, instance role…) applies. */
    S3_ACCESS_KEY_ID: z.string().optional(),
    S3_SECRET_ACCESS_KEY: z.string().optional(),
    /** when_required (default; what S3-compatible stores accept) or when_supported (the AWS SDK's default). */
    S3_REQUEST_CHECKSUMS: z.enum(['when_required', 'when_supported']).default('when_required'),
  },
  [
    configRule<BlobSettings>(['BLOB_STORE', ...AZURE_VARS, ...S3_VARS, 'BLOB_PUBLIC_URL'], (c) => {
      const other =
        c.BLOB_STORE === 'azure' ? S3_VARS : c.BLOB_STORE === 's3' ? AZURE_VARS : [...AZURE_VARS, ...S3_VARS];
      const stray = setOf(c, other);
      if (c.BLOB_STORE === 'fs' && c.BLOB_PUBLIC_URL !== undefined) stray.push('BLOB_PUBLIC_URL');
      return stray.length > 0
        ? `${stray.join(', ')}: not used with BLOB_STORE=${c.BLOB_STORE} (remove, or set BLOB_STORE)`
        : undefined;
    }),
    configRule<BlobSettings>(['BLOB_STORE', ...AZURE_VARS], (c) => {
      if (c.BLOB_STORE !== 'azure') return undefined;
      const problems: string[] = [];
      if (c.AZURE_STORAGE_CONTAINER === undefined) problems.push('AZURE_STORAGE_CONTAINER is required');
      const account = setOf(c, ['AZURE_STORAGE_ACCOUNT', 'AZURE_STORAGE_KEY', 'AZURE_STORAGE_ENDPOINT']);
      if (c.AZURE_STORAGE_CONNECTION_STRING !== undefined) {
        if (account.length > 0) problems.push(`AZURE_STORAGE_CONNECTION_STRING excludes ${account.join(', ')}`);
        else if (!/(?:^|;)(?:AccountName|BlobEndpoint)=/i.test(c.AZURE_STORAGE_CONNECTION_STRING))
          problems.push('AZURE_STORAGE_CONNECTION_STRING names no AccountName or BlobEndpoint');
      } else if (c.AZURE_STORAGE_ACCOUNT === undefined || c.AZURE_STORAGE_KEY === undefined) {
        problems.push('set AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY');
      } else if (!/^[A-Za-z0-9+/]+={0,2}$/.test(c.AZURE_STORAGE_KEY)) {
        problems.push('AZURE_STORAGE_KEY is not base64 (value hidden)');
      }
      return problems.length > 0 ? `BLOB_STORE=azure: ${problems.join('; ')}` : undefined;
    }),
    configRule<BlobSettings>(['BLOB_STORE', ...S3_VARS], (c) => {
      if (c.BLOB_STORE !== 's3') return undefined;
      const problems: string[] = [];
      if (c.S3_BUCKET === undefined) problems.push('S3_BUCKET is required');
      if (c.S3_REGION === undefined) problems.push('S3_REGION is required');
      if ((c.S3_ACCESS_KEY_ID === undefined) !== (c.S3_SECRET_ACCESS_KEY === undefined))
        problems.push('S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together');
      return problems.length > 0 ? `BLOB_STORE=s3: ${problems.join('; ')}` : undefined;
    }),
  ],
);

/** The parsed blob store settings (a role config includes them, with BLOB_DIR from the common settings). */
export type BlobStoreConfig = ConfigOf<typeof blobStoreConfig>;
