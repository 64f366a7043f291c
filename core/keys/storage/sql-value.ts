/**
 * Puts a value into SQL text: as a bind parameter (`$3`) for ordinary queries, or as a quoted literal for
 * statements that take no parameters (COPY). Fragments built with it work either way.
 */
export type SqlValue = (value: string | readonly string[] | boolean) => string;

/** A binder for parameterized queries: each call appends to `params` and returns its placeholder. */
export function bindParams(params: unknown[]): SqlValue {
  return (value) => {
    params.push(value);
    const type = typeof value === 'boolean' ? 'boolean' : Array.isArray(value) ? 'text[]' : 'text';
    return `$${params.length}::${type}`;
  };
}

/** A binder that inlines quoted literals, for COPY (`escape` is the driver's literal quoting). */
export function inlineLiterals(escape: (text: string) => string): SqlValue {
  return (value) => {
    if (typeof value === 'boolean') return value ? 'true' : 'false';
    if (typeof value === 'string') return escape(value);
    return `array[${value.map(escape).join(',')}]::text[]`;
  };
}
