import { readFile } from 'node:fs/promises';
import { UsageError, type Command } from '../../../cli/command';
import { HealthAuthorityRepository } from '../authorities/health-authority.repository';
import { importHealthAuthorityKey, InvalidPublicKeyError } from '../authorities/public-key';
import { isoDate, parseOptions, print, required, withDatabase } from '../../../cli/admin-support';

/** `enfed admin health-authority add`: a verification server whose certificates this node trusts. */
export const healthAuthorityAddCommand: Command = {
  words: ['admin', 'health-authority', 'add'],
  usage: 'enfed admin health-authority add --iss ISS --aud AUD [--name NAME]',
  summary: 'trust a health authority (certificate iss and the aud it must name)',
  async run(args, env) {
    const { values } = parseOptions(args, {
      iss: { type: 'string' },
      aud: { type: 'string' },
      name: { type: 'string' },
    });
    const iss = required(values.iss, 'iss');
    const aud = required(values.aud, 'aud');
    const name = typeof values.name === 'string' && values.name.trim() !== '' ? values.name.trim() : iss;
    return withDatabase(env, async (db) => {
      const em = db.orm.em.fork();
      const { created } = await new HealthAuthorityRepository(em).upsert({ iss, aud, name });
      print(`${created ? 'added' : 'updated'} health authority ${iss} (aud ${aud})`);
      return 0;
    });
  },
};

/** `enfed admin health-authority list`. */
export const healthAuthorityListCommand: Command = {
  words: ['admin', 'health-authority', 'list'],
  usage: 'enfed admin health-authority list [--json]',
  summary: 'list trusted health authorities and their key versions',
  async run(args, env) {
    const { values } = parseOptions(args, { json: { type: 'boolean' } });
    return withDatabase(env, async (db) => {
      const em = db.orm.em.fork();
      const all = await new HealthAuthorityRepository(em).list();
      if (values.json) {
        print(
          JSON.stringify(
            all.map((a) => ({ iss: a.iss, aud: a.aud, name: a.name, kids: a.keys.map((k) => k.version) })),
          ),
        );
      } else if (all.length === 0) print('no health authorities');
      else
        for (const a of all)
          print(`${a.iss}\taud=${a.aud}\tname=${a.name}\tkeys=${a.keys.map((k) => k.version).join(',') || '-'}`);
      return 0;
    });
  },
};

/** `enfed admin health-authority key add`: a P-256 public key (PEM or JWK file) under a kid. */
export const healthAuthorityKeyAddCommand: Command = {
  words: ['admin', 'health-authority', 'key', 'add'],
  usage: 'enfed admin health-authority key add --iss ISS --kid KID --key-file FILE.pem|.jwk [--from ISO] [--thru ISO]',
  summary: 'add a health authority public key (PEM or JWK) valid from --from (default now) thru --thru',
  async run(args, env) {
    const { values } = parseOptions(args, {
      iss: { type: 'string' },
      kid: { type: 'string' },
      'key-file': { type: 'string' },
      from: { type: 'string' },
      thru: { type: 'string' },
    });
    const iss = required(values.iss, 'iss');
    const kid = required(values.kid, 'kid');
    const file = required(values['key-file'], 'key-file');
    const from = isoDate(values.from, 'from', new Date()) as Date;
    const thru = isoDate(values.thru, 'thru', null);
    if (thru && thru <= from) throw new UsageError('--thru must be after --from');
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      throw new UsageError(`cannot read --key-file ${file}`);
    }
    let publicKeyPem: string;
    try {
      publicKeyPem = await importHealthAuthorityKey(text);
    } catch (err) {
      if (err instanceof InvalidPublicKeyError) throw new UsageError(`${file}: ${err.message}`);
      throw err;
    }
    return withDatabase(env, async (db) => {
      const em = db.orm.em.fork();
      const authority = await new HealthAuthorityRepository(em).find(iss);
      if (!authority) throw new UsageError(`no health authority with iss "${iss}"; add it first`);
      const { created } = await new HealthAuthorityRepository(em).upsertKey(authority.id, {
        version: kid,
        from,
        thru,
        publicKeyPem,
      });
      print(
        `${created ? 'added' : 'replaced'} key ${kid} of ${iss}, valid from ${from.toISOString()}${thru ? ` thru ${thru.toISOString()}` : ''}`,
      );
      return 0;
    });
  },
};

/** `enfed admin health-authority key list`. */
export const healthAuthorityKeyListCommand: Command = {
  words: ['admin', 'health-authority', 'key', 'list'],
  usage: 'enfed admin health-authority key list [--iss ISS] [--json]',
  summary: 'list health authority public keys with their validity windows',
  async run(args, env) {
    const { values } = parseOptions(args, { iss: { type: 'string' }, json: { type: 'boolean' } });
    return withDatabase(env, async (db) => {
      const em = db.orm.em.fork();
      const all = (await new HealthAuthorityRepository(em).list()).filter(
        (a) => values.iss === undefined || a.iss === values.iss,
      );
      const rows = all.flatMap((a) =>
        a.keys.map((k) => ({
          iss: a.iss,
          kid: k.version,
          from: k.from.toISOString(),
          thru: k.thru?.toISOString() ?? null,
          publicKeyPem: k.publicKeyPem,
        })),
      );
      if (values.json) print(JSON.stringify(rows));
      else if (rows.length === 0) print('no keys');
      else for (const r of rows) print(`${r.iss}\tkid=${r.kid}\tfrom=${r.from}\tthru=${r.thru ?? '-'}`);
      return 0;
    });
  },
};
