import test from 'ava';
import { BadRequestError } from '../../../core/errors/app-error';
import { effectiveRegions, trimRegions } from '../../../core/federation/region-filter';

const cases: { name: string; req: [string[], string[]]; auth: [string[], string[]]; want: [string[], string[]] }[] = [
  { name: 'intersection of include sets', req: [['CA', 'NY'], []], auth: [['NY', 'TX'], []], want: [['NY'], []] },
  {
    name: 'region codes are upper-cased',
    req: [['ca', ' ny '], []],
    auth: [['CA', 'NY'], []],
    want: [['CA', 'NY'], []],
  },
  { name: 'empty request include: nothing', req: [[], []], auth: [['CA'], []], want: [[], []] },
  { name: 'empty authorization include: nothing', req: [['CA'], []], auth: [[], []], want: [[], []] },
  {
    name: 'exclusions are unioned',
    req: [['CA', 'NY'], ['WA']],
    auth: [['CA', 'NY'], ['NY']],
    want: [['CA'], ['NY', 'WA']],
  },
];

for (const c of cases) {
  test(`effectiveRegions: ${c.name}`, (t) => {
    const got = effectiveRegions(
      { includeRegions: c.req[0], excludeRegions: c.req[1] },
      { includeRegions: c.auth[0], excludeRegions: c.auth[1] },
    );
    t.deepEqual(got, { include: c.want[0], exclude: c.want[1] });
  });
}

test('effectiveRegions: a request overlapping its own include and exclude is a client mistake', (t) => {
  const err = t.throws(() =>
    effectiveRegions(
      { includeRegions: ['CA', 'ny'], excludeRegions: ['NY'] },
      { includeRegions: ['CA'], excludeRegions: [] },
    ),
  );
  t.true(err instanceof BadRequestError);
  t.is((err as BadRequestError).code, 'overlapping_regions');
});

test('effectiveRegions: an authorization exclusion is not a client mistake', (t) => {
  t.deepEqual(
    effectiveRegions(
      { includeRegions: ['CA', 'NY'], excludeRegions: [] },
      { includeRegions: ['CA', 'NY'], excludeRegions: ['NY'] },
    ),
    { include: ['CA'], exclude: ['NY'] },
  );
});

test('trimRegions keeps only the effective include set', (t) => {
  t.deepEqual(trimRegions(['CA', 'NY', 'WA'], { include: ['NY', 'WA'], exclude: [] }), ['NY', 'WA']);
});
