import test from 'ava';
import { fileUrl, isSafeFileName, parseExportIndex } from '../../../hub/sources/imports/export-index';
import { ImportError } from '../../../hub/sources/imports/import-errors';

test('an index: one relative name per line, CRLF and blank lines tolerated, repeats kept once, in order', (t) => {
  const body = Buffer.from('us/2-3-00001.zip\r\n\r\nus/1-2-00001.zip\nus/2-3-00001.zip\n');
  t.deepEqual(parseExportIndex(body, 'text/plain'), ['us/2-3-00001.zip', 'us/1-2-00001.zip']);
  t.deepEqual(parseExportIndex(Buffer.from(''), 'text/plain'), []);
});

for (const name of [
  '../x.zip',
  'a/../x.zip',
  './x.zip',
  '/x.zip',
  'http://h/x.zip',
  'a\\x.zip',
  'a//x.zip',
  'x.zip?y',
  'x.txt',
  'a b.zip',
  '%2e%2e/x.zip',
]) {
  test(`refused name: ${JSON.stringify(name)}`, (t) => {
    t.false(isSafeFileName(name));
    const err = t.throws(() => parseExportIndex(Buffer.from(`ok.zip\n${name}\n`), 'text/plain'), {
      instanceOf: ImportError,
    });
    t.is(err?.code, 'index_invalid_name');
  });
}

test('HTML is refused by content type or by content', (t) => {
  for (const [body, type] of [
    ['x.zip\n', 'text/html'],
    ['  <!doctype html><p>down</p>', 'text/plain'],
    ['<HTML>', ''],
  ] as const) {
    t.is(t.throws(() => parseExportIndex(Buffer.from(body), type), { instanceOf: ImportError })?.code, 'index_is_html');
  }
});

test('file URLs stay under the export root', (t) => {
  t.is(fileUrl('https://cdn.example/exports', 'us/1.zip').toString(), 'https://cdn.example/exports/us/1.zip');
  t.is(fileUrl('https://cdn.example/exports/', 'us/1.zip').toString(), 'https://cdn.example/exports/us/1.zip');
  t.is(
    t.throws(() => fileUrl('https://cdn.example/exports/', '../1.zip'), { instanceOf: ImportError })?.code,
    'index_invalid_name',
  );
});
