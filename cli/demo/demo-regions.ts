import { invalidRegions } from '../../core/keys/regions';
import { UsageError } from '../support/usage-error';

/** The default demo: three west-coast states. */
export const DEFAULT_DEMO_REGIONS = ['US-WA', 'US-OR', 'US-CA'] as const;

/** The most nodes one demo starts (its ports are base+1..base+N and base+1001..base+1000+N). */
export const MAX_DEMO_NODES = 60;

/** US states and DC, the default ones first, for `--nodes N`. */
const US_REGIONS = [
  ...DEFAULT_DEMO_REGIONS,
  ...'AK AL AR AZ CO CT DC DE FL GA HI IA ID IL IN KS KY LA MA MD ME MI MN MO MS MT NC ND NE NH NJ NM NV NY OH OK PA RI SC SD TN TX UT VA VT WI WV WY'
    .split(' ')
    .map((s) => `US-${s}`),
];

/** `--nodes N`: the first N regions of the list above, then made-up ones (`XX-052`…) should N exceed it. */
export function regionsForNodes(nodes: number): string[] {
  return Array.from({ length: nodes }, (_, i) => US_REGIONS[i] ?? `XX-${String(i + 1).padStart(3, '0')}`);
}

/** `--regions US-WA,US-OR,…`: upper-cased, in the given order, each once, each a valid region code. */
export function parseDemoRegions(value: string): string[] {
  const regions = value
    .split(',')
    .map((r) => r.trim().toUpperCase())
    .filter((r) => r.length > 0);
  const bad = invalidRegions(regions);
  if (bad.length > 0) throw new UsageError(`--regions: not region codes: ${bad.join(', ')}`);
  if (regions.length === 0) throw new UsageError('--regions: name at least one region');
  if (new Set(regions).size !== regions.length) throw new UsageError('--regions: a region appears twice');
  if (regions.length > MAX_DEMO_NODES) throw new UsageError(`--regions: at most ${MAX_DEMO_NODES}`);
  const names = regions.map(nodeName);
  if (new Set(names).size !== names.length) throw new UsageError('--regions: two regions give the same node name');
  return regions;
}

/** A node's name (certificate, database, log file): `node-wa` for US-WA, `node-de-by` for DE-BY. */
export function nodeName(region: string): string {
  const local = region.startsWith('US-') ? region.slice(3) : region;
  return `node-${local.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
}
