import { startTestNode, type TestServer } from './test-servers';
import type { NodeConfig } from '../../node/node.config';

/** A bearer token for `/new-key-claim` bound to region 302 (COVID Alert's region), and one bound to ON. */
export const CLAIM_TOKEN = 'test-case-system-token-302';
export const CLAIM_TOKEN_ON = 'test-case-system-token-on';
/** The retrieve HMAC key a COVID Alert app is built with (hex, 32 bytes). */
export const RETRIEVE_HMAC_KEY = 'ab'.repeat(32);

/** A settable clock for servers whose tests step time (bans lifting, codes expiring). */
export class StepClock {
  constructor(public ms = Date.now()) {}
  readonly now = (): Date => new Date(this.ms);
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

/**
 * A node running a state's stack (codes, COVID Alert protocol, device API, publish, export), with X-Forwarded-For
 * trusted from one proxy so that tests can act as several clients.
 */
export function startStateNode(
  options: { env?: Record<string, string>; now?: () => Date; components?: string } = {},
): Promise<TestServer<NodeConfig>> {
  return startTestNode({
    now: options.now,
    env: {
      ENFED_COMPONENTS: options.components ?? 'publish,codes,covid-alert,device-api',
      NEW_KEY_CLAIM_TOKENS: `${CLAIM_TOKEN}=302:${CLAIM_TOKEN_ON}=ON`,
      RETRIEVE_HMAC_KEY,
      CLIENT_IP_PROXIES: '1',
      ...options.env,
    },
  });
}

/** POST /new-key-claim[/hashID]: status and text body. */
export async function newKeyClaim(
  baseUrl: string,
  options: { token?: string | null; hashId?: string; body?: unknown; authorization?: string } = {},
): Promise<{ status: number; text: string; headers: Headers }> {
  const token = options.token === undefined ? CLAIM_TOKEN : options.token;
  const headers: Record<string, string> = {};
  if (options.authorization !== undefined) headers.authorization = options.authorization;
  else if (token !== null) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${baseUrl}/new-key-claim${options.hashId === undefined ? '' : `/${options.hashId}`}`, {
    method: 'POST',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

/** A fresh code from the node (must succeed). */
export async function freshCode(baseUrl: string, body?: unknown, token?: string): Promise<string> {
  const res = await newKeyClaim(baseUrl, { body, token });
  if (res.status !== 200) throw new Error(`new-key-claim: ${res.status} ${res.text}`);
  return res.text.trim();
}
