import type pg from 'pg';

/** The clock of the status tests: every seeded time is relative to it. */
export const NOW = new Date('2026-11-22T12:00:00Z');

/** A time `seconds` before NOW, as SQL text. */
export function ago(seconds: number): string {
  return new Date(NOW.getTime() - seconds * 1000).toISOString();
}

/** An error text an upstream could produce, with markup that the page must show as text. */
export const NY_ERROR = 'connect ECONNREFUSED 10.0.0.7:50051 <script>alert("x")</script>';

/**
 * Seeds a hub database as the federation-in and export jobs would leave it:
 * - `node-ca`: failed once long ago, then pulled fine 1 min ago (state ok);
 * - `node-ny`: pulled fine 30 min ago, last pull failed, 3 failures in a row, backing off until 12:05;
 * - `node-tx`: its first pull is still running;
 * - `node-wa`: its last pull succeeded, but an hour ago for a 1-minute interval (stale); a long address, which
 *   must wrap rather than widen the page;
 * - keys: 3 in CA, 2 in NY, 1 in both; two export configs with batches and files;
 * - history: an import (`import-de`) that inserted 40 keys 2 h ago, two partners, two signing keys.
 */
export async function seedHubStatus(pool: pg.Pool): Promise<void> {
  await pool.query(`
    insert into federation_in_queries
      (name, address, ca_cert_path, client_cert_path, client_key_path, include_regions, interval_seconds,
       consecutive_failures, next_attempt_at, upstream_kind)
    values ('node-ca', 'node-ca.internal:50051', '/c/ca.pem', '/c/hub.pem', '/c/hub.key', '{CA}', 300, 0, null, 'node'),
           ('node-ny', 'node-ny.internal:50051', '/c/ca.pem', '/c/hub.pem', '/c/hub.key', '{NY}', 60, 3, '${ago(-300)}', 'node'),
           ('node-tx', 'node-tx.internal:50051', '/c/ca.pem', '/c/hub.pem', '/c/hub.key', '{TX}', 60, 0, null, 'partner'),
           ('node-wa', 'node-wa.federation.health-authority.example.gov:50051', '/c/ca.pem', '/c/hub.pem', '/c/hub.key', '{WA}', 60, 0, null, 'node')`);
  await pool.query(
    `insert into federation_in_runs
       (query_id, started_at, finished_at, pages, received, inserted, duplicates, invalid, revised, error, duration_ms)
     select q.id, r.started_at::timestamptz, r.finished_at::timestamptz, r.pages, r.received, r.inserted,
            r.duplicates, r.invalid, r.revised, r.error, r.duration_ms
       from (values
         ('node-ca', '${ago(3600)}', '${ago(3599)}', 0, 0, 0, 0, 0, 0, 'deadline exceeded', 1000),
         ('node-ca', '${ago(60)}', '${ago(58)}', 3, 1200, 1000, 150, 50, 2, null, 2000),
         ('node-ny', '${ago(1800)}', '${ago(1799)}', 1, 10, 10, 0, 0, 0, null, 900),
         ('node-ny', '${ago(120)}', '${ago(119)}', 0, 0, 0, 0, 0, 0, $1, 350),
         ('node-tx', '${ago(10)}', null, 0, 0, 0, 0, 0, 0, null, null),
         ('node-wa', '${ago(3600)}', '${ago(3599)}', 1, 5, 5, 0, 0, 0, null, 700)
       ) as r(name, started_at, finished_at, pages, received, inserted, duplicates, invalid, revised, error, duration_ms)
       join federation_in_queries q on q.name = r.name`,
    [NY_ERROR],
  );
  await pool.query(`
    insert into exposure_keys (key, transmission_risk, interval_number, interval_count, regions, created_at, local_provenance)
    select decode(md5(g::text), 'hex'), 0, 2900000, 144,
           case when g <= 3 then '{CA}'::text[] when g <= 5 then '{NY}'::text[] else '{CA,NY}'::text[] end,
           '${ago(7200)}', false
      from generate_series(1, 6) g`);
  await pool.query(`
    insert into export_configs (root, output_region, input_regions, period_seconds, max_records_per_file, from_timestamp)
    values ('hub/all', 'US', '{CA,NY,TX}', 3600, 1000, '${ago(86400)}'),
           ('hub/ca', 'CA', '{CA}', 3600, 1000, '${ago(86400)}')`);
  await pool.query(`
    insert into export_batches (config_id, start_at, end_at, status)
    select c.id, b.start_at::timestamptz, b.end_at::timestamptz, b.status
      from (values ('hub/all', '${ago(7200)}', '${ago(3600)}', 'complete'),
                   ('hub/ca', '${ago(7200)}', '${ago(3600)}', 'complete'),
                   ('hub/all', '${ago(3600)}', '${ago(0)}', 'open')) as b(root, start_at, end_at, status)
      join export_configs c on c.root = b.root`);
  await pool.query(`
    insert into export_files (batch_id, config_id, filename, file_number, key_count, revised_count, created_at)
    select b.id, c.id, f.filename, f.file_number, f.key_count, f.revised_count, '${ago(3500)}'
      from (values ('hub/all', 'hub/all/1763805600-1763809200-00001.zip', 1, 1000, 0),
                   ('hub/all', 'hub/all/1763805600-1763809200-00002.zip', 2, 234, 4),
                   ('hub/ca', 'hub/ca/1763805600-1763809200-00001.zip', 1, 4, 0)
      ) as f(root, filename, file_number, key_count, revised_count)
      join export_configs c on c.root = f.root
      join export_batches b on b.config_id = c.id and b.status = 'complete'`);
  await seedHistory(pool);
}

async function seedHistory(pool: pg.Pool): Promise<void> {
  await pool.query(`
    insert into imports (name, index_url, export_root_url, region)
    values ('import-de', 'https://de.example/index.txt', 'https://de.example/', 'DE')`);
  await pool.query(`
    insert into import_runs (import_id, started_at, finished_at, files, inserted)
    select id, '${ago(7200)}', '${ago(7190)}', 1, 40 from imports where name = 'import-de'`);
  await pool.query(`
    insert into partner_authorizations (name, cert_fingerprint, include_regions, exclude_regions, enabled)
    values ('partner-eu', '${'ab'.repeat(32)}', '{CA,NY}', '{TX}', true),
           ('partner-old', '${'cd'.repeat(32)}', '{CA}', '{}', false)`);
  // Validity is judged against the database clock, so the dates are far from the tests' fixed NOW.
  await pool.query(`
    insert into signing_keys (key_id, version, public_key_pem, active_from, active_until, pkcs11_label)
    values ('310', 'v1', 'test', '${ago(86400)}', '2099-01-01T00:00:00Z', 'test-310'),
           ('311', 'v1', 'test', '${ago(86400)}', null, 'test-311')`);
}
