import test from 'ava';
import { SpanStatusCode } from '@opentelemetry/api';
import { UNSEALED } from '../../../core/secrets/secret-sealer';
import { SigningKeyRepository } from '../../../core/signing/signing-key.repository';
import { createSigningKey } from '../../../core/signing/signing-keys';
import { insertKeys, makeKey, reviseKey } from '../../helpers/key-factory';
import { allAttributeText, isChildOf, onlySpan, useInMemoryTracing } from '../../helpers/tracing';
import { addConfig, createExportKit, exportAt, hours } from '../export/export-kit';

const { exporter } = useInMemoryTracing();

test('an export batch is an export.batch span with read, encode, sign and write children', async (t) => {
  const kit = await createExportKit();
  t.teardown(() => kit.destroy());
  await createSigningKey(new SigningKeyRepository(kit.db.pool, UNSEALED), { keyId: '310', now: hours(-48) });
  // Two files in one window (at most 3 records each): read, encode, sign and write show per file.
  await addConfig(kit, { maxRecordsPerFile: 3 });
  const keys = Array.from({ length: 4 }, () => makeKey({ createdAt: hours(0) }));
  await insertKeys(kit.db.pool, keys);
  await reviseKey(kit.db.pool, keys[0]!.key, 'confirmed', hours(0));

  const result = await exportAt(kit, new Date(hours(2).getTime() + 600_000));
  t.is(result.failed, 0);
  t.is(result.batches, 1);
  const spans = exporter.getFinishedSpans();

  const batch = onlySpan(t, spans, 'export.batch');
  t.like(batch.attributes, {
    'enfed.export.files': 2,
    'enfed.export.keys': 4,
    'enfed.export.revised_keys': 1,
    'enfed.export.padding': 0,
  });
  const reads = spans.filter((s) => s.name === 'export.read');
  t.deepEqual(reads.map((s) => s.attributes['enfed.export.part']).sort(), ['keys', 'revised_keys']);
  t.deepEqual(reads.map((s) => s.attributes['enfed.export.rows']).sort(), [1, 4]);
  for (const name of ['export.encode', 'export.sign', 'export.write']) {
    const perFile = spans.filter((s) => s.name === name);
    t.is(perFile.length, 2, name);
    t.deepEqual(perFile.map((s) => String(s.attributes['enfed.export.file']).slice(-9)).sort(), [
      '00001.zip',
      '00002.zip',
    ]);
  }
  for (const span of spans.filter((s) => s.name.startsWith('export.') && s !== batch)) {
    t.true(isChildOf(span, batch), span.name);
    t.not(span.status.code, SpanStatusCode.ERROR, span.name);
  }
  t.true(spans.every((s) => s.name !== 'export.sign' || s.attributes['enfed.export.signatures'] === 1));
  const text = allAttributeText(spans);
  for (const key of keys) t.false(text.includes(key.key.toString('hex')) || text.includes(key.key.toString('base64')));
});
