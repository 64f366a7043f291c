import test from 'ava';
import { vectorText } from '../../helpers/vectors';
import { computeTekmac, tekmacMatches, tekmacText } from '../../../node/publish/verification/tekmac';
import type { PublishKeyInput } from '../../../node/publish/request/publish-request';

interface VectorCase {
  name: string;
  keys: PublishKeyInput[];
  text: string;
  tekmac: string;
}
const vectors = JSON.parse(vectorText('tekmac.json')) as {
  hmacKey: string;
  cases: VectorCase[];
};
const secret = Buffer.from(vectors.hmacKey, 'base64');

for (const c of vectors.cases) {
  const threePart = c.name.includes('three-part');
  test(`tekmac vector: ${c.name}`, (t) => {
    // Keys are given out of order on purpose in some cases: the text sorts them.
    t.is(tekmacText([...c.keys].reverse(), !threePart), c.text);
    t.is(computeTekmac(c.keys, secret, !threePart).toString('base64'), c.tekmac);
    t.true(tekmacMatches(c.keys, secret, Buffer.from(c.tekmac, 'base64')));
  });
}

test('the three-part form is refused when a transmission risk is not 0', (t) => {
  const keys = vectors.cases[0]!.keys;
  t.false(tekmacMatches(keys, secret, computeTekmac(keys, secret, false)));
});

test('a MAC over other keys, a truncated MAC and another secret are refused', (t) => {
  const keys = vectors.cases[0]!.keys;
  const mac = Buffer.from(vectors.cases[0]!.tekmac, 'base64');
  t.false(tekmacMatches(keys.slice(1), secret, mac));
  t.false(tekmacMatches(keys, secret, mac.subarray(0, 16)));
  t.false(tekmacMatches(keys, Buffer.alloc(32, 1), mac));
  t.false(tekmacMatches([{ ...keys[0]!, rollingPeriod: 143 }, ...keys.slice(1)], secret, mac));
});
