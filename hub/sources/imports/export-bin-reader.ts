import protobuf from 'protobufjs';
import { EXPORT_BIN_HEADER } from '../../../core/export/format/export-format';
import type { DecodedKey } from '../../../core/export/format/export-reader';
import { ImportError } from './import-errors';

/** The fields of TemporaryExposureKeyExport before its keys. */
export interface ExportBinHeader {
  startTimestamp: number;
  endTimestamp: number;
  region: string;
  batchNum: number;
  batchSize: number;
  keyCount: number;
  revisedKeyCount: number;
}

const KEYS_FIELD = 7;
const REVISED_KEYS_FIELD = 8;

/**
 * Reads export.bin (docs/export-format.md; proto/export.proto) without materialising it: the header in one pass,
 * then the keys page by page, so a 500,000-key file costs its bytes plus one page of keys, not an object tree of
 * the whole file (what `decodeExportBin` in core/export/format builds, fine for tests, too heavy here). Decoding
 * follows the proto exactly: unknown fields are skipped, rolling_period defaults to 144, days since onset is sint32.
 */
export class ExportBinReader {
  private constructor(
    private readonly bin: Buffer,
    readonly header: ExportBinHeader,
  ) {}

  /** Checks the 16-byte header and reads the header fields; throws `export_invalid` for malformed bytes. */
  static open(bin: Buffer, name: string): ExportBinReader {
    if (bin.length < 16 || !bin.subarray(0, 16).equals(EXPORT_BIN_HEADER)) {
      throw new ImportError('export_invalid', `${name}: export.bin does not start with the export header`);
    }
    const header: ExportBinHeader = {
      startTimestamp: 0,
      endTimestamp: 0,
      region: '',
      batchNum: 0,
      batchSize: 0,
      keyCount: 0,
      revisedKeyCount: 0,
    };
    try {
      walk(bin, (field, reader, wire) => {
        if (field === 1 && wire === 1) header.startTimestamp = fixed64(reader);
        else if (field === 2 && wire === 1) header.endTimestamp = fixed64(reader);
        else if (field === 3 && wire === 2) header.region = reader.string();
        else if (field === 4 && wire === 0) header.batchNum = reader.int32();
        else if (field === 5 && wire === 0) header.batchSize = reader.int32();
        else if (field === KEYS_FIELD && wire === 2) ((header.keyCount += 1), reader.skipType(2));
        else if (field === REVISED_KEYS_FIELD && wire === 2) ((header.revisedKeyCount += 1), reader.skipType(2));
        else reader.skipType(wire);
      });
    } catch (err) {
      if (err instanceof ImportError) throw err;
      throw new ImportError('export_invalid', `${name}: export.bin is not a well-formed export`);
    }
    return new ExportBinReader(bin, header);
  }

  /** The keys (or revised keys) in pages of at most `pageSize`, in file order; one page is alive at a time. */
  *pages(list: 'keys' | 'revised', pageSize: number): Generator<DecodedKey[]> {
    const wanted = list === 'keys' ? KEYS_FIELD : REVISED_KEYS_FIELD;
    let page: DecodedKey[] = [];
    const reader = protobuf.Reader.create(this.bin.subarray(16));
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      if (tag >>> 3 !== wanted || (tag & 7) !== 2) {
        reader.skipType(tag & 7);
        continue;
      }
      const length = reader.uint32();
      page.push(decodeKey(reader, reader.pos + length));
      if (page.length >= pageSize) {
        yield page;
        page = [];
      }
    }
    if (page.length > 0) yield page;
  }
}

function walk(bin: Buffer, onField: (field: number, reader: protobuf.Reader, wire: number) => void): void {
  const reader = protobuf.Reader.create(bin.subarray(16));
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    onField(tag >>> 3, reader, tag & 7);
  }
}

function fixed64(reader: protobuf.Reader): number {
  const low = reader.fixed32();
  const high = reader.fixed32();
  return high * 2 ** 32 + low;
}

/** One TemporaryExposureKey ending at `end`. */
function decodeKey(reader: protobuf.Reader, end: number): DecodedKey {
  const key: DecodedKey = { keyData: Buffer.alloc(0), rollingPeriod: 144 };
  while (reader.pos < end) {
    const tag = reader.uint32();
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1:
        // A view into export.bin (held for the whole file anyway), not a copy: no allocation per key.
        key.keyData = reader.bytes() as Buffer;
        break;
      case 2:
        key.transmissionRiskLevel = reader.int32();
        break;
      case 3:
        key.rollingStartIntervalNumber = reader.int32();
        break;
      case 4:
        key.rollingPeriod = reader.int32();
        break;
      case 5:
        key.reportType = reader.int32();
        break;
      case 6:
        key.daysSinceOnsetOfSymptoms = reader.sint32();
        break;
      default:
        reader.skipType(wire);
    }
  }
  if (reader.pos !== end) throw new ImportError('export_invalid', 'a key message overruns its length');
  return key;
}
