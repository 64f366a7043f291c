/**
 * An export config as the pipeline uses it. Key selection: a key is included when its regions meet
 * `inputRegions` (`*` = every region) or it is a traveler key and `includeTravelers` is set; a key with
 * any region in `excludeRegions` is always left out; `onlyTravelers` keeps traveler keys only.
 */
export interface ExportConfigRecord {
  id: number;
  /** Folder of the config's files in the blob store, and its unique name. */
  root: string;
  outputRegion: string;
  inputRegions: readonly string[];
  excludeRegions: readonly string[];
  includeTravelers: boolean;
  onlyTravelers: boolean;
  periodSeconds: number;
  maxRecordsPerFile: number;
  fromTimestamp: Date;
  thruTimestamp: Date | null;
}

/** A window [start, end) of arrival times. */
export interface ExportWindow {
  start: Date;
  end: Date;
}

/** Root names: lower-case letters, digits, `_` and `-`, optionally nested with `/`. */
export const ROOT_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}(\/[a-z0-9][a-z0-9_-]{0,62}){0,3}$/;

const pad5 = (n: number) => String(n).padStart(5, '0');
const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

/**
 * Blob name of file `fileNumber` (from 1) of a window: `<root>/<start>-<end>-<NNNNN>.zip` with the window's
 * start and end in unix seconds. Every file of a window shares start and end in its name; the number
 * tells them apart (and orders them).
 */
export function exportFileName(root: string, window: ExportWindow, fileNumber: number): string {
  return `${root}/${seconds(window.start)}-${seconds(window.end)}-${pad5(fileNumber)}.zip`;
}

/**
 * `end_timestamp` of file `fileNumber` (from 1): the window end plus (fileNumber − 1). The first file of a
 * window (usually the only one) carries the window end itself; each further file adds one second, so
 * phones, which de-duplicate files by (start, end, batch_num), keep every file of a split window, and
 * every file keeps batch_num = batch_size = 1.
 */
export function fileEndTimestamp(window: ExportWindow, fileNumber: number): number {
  return seconds(window.end) + (fileNumber - 1);
}

/** Blob name of a config's index. */
export function indexName(root: string): string {
  return `${root}/index.txt`;
}
