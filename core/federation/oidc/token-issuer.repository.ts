import type pg from 'pg';
import { AlreadyExistsError, NotFoundError } from '../../errors/app-error';

/** An issuer whose ID tokens federation-out accepts, and where its signing keys are published. */
export interface TokenIssuer {
  issuer: string;
  /** HTTPS URL of the issuer's JSON Web Key Set. */
  jwksUrl: string;
  createdAt: Date;
}

interface Row {
  issuer: string;
  jwks_url: string;
  created_at: Date;
}

function toIssuer(row: Row): TokenIssuer {
  return { issuer: row.issuer, jwksUrl: row.jwks_url, createdAt: row.created_at };
}

/**
 * token_issuers. Read on every token call (one primary-key lookup), so removing an issuer takes effect on the
 * next call; the keys themselves are cached by JwksCache.
 */
export class TokenIssuerRepository {
  constructor(private readonly pool: pg.Pool) {}

  async find(issuer: string): Promise<TokenIssuer | undefined> {
    const result = await this.pool.query<Row>('select * from token_issuers where issuer = $1', [issuer]);
    const row = result.rows[0];
    return row ? toIssuer(row) : undefined;
  }

  async add(input: { issuer: string; jwksUrl: string }): Promise<TokenIssuer> {
    try {
      const result = await this.pool.query<Row>(
        'insert into token_issuers (issuer, jwks_url) values ($1, $2) returning *',
        [input.issuer, input.jwksUrl],
      );
      return toIssuer(result.rows[0] as Row);
    } catch (err) {
      if ((err as { code?: string }).code === '23505') {
        throw new AlreadyExistsError(`issuer ${input.issuer} is already trusted`, 'token_issuer_exists');
      }
      throw err;
    }
  }

  async list(): Promise<TokenIssuer[]> {
    const result = await this.pool.query<Row>('select * from token_issuers order by issuer');
    return result.rows.map(toIssuer);
  }

  /** Stops trusting an issuer; its token partners are refused from their next call. */
  async remove(issuer: string): Promise<void> {
    const result = await this.pool.query('delete from token_issuers where issuer = $1', [issuer]);
    if (result.rowCount === 0) throw new NotFoundError(`no trusted issuer ${issuer}`, 'token_issuer_not_found');
  }
}
