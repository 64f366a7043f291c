/**
 * A value safe to show in messages and logs: a URL with its password masked (`postgres://user:***@host/db`);
 * text that looks like a URL but does not parse is hidden whole past its scheme, since its credentials cannot
 * be told apart. Anything else is returned as it is.
 */
export function redactUrl(value: string): string {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value);
  if (!scheme) return value;
  try {
    const url = new URL(value);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return `${scheme[1]}://…`;
  }
}
