/**
 * The address of the client as seen through `trustedProxies` reverse proxies (load balancer, CDN) that each
 * append the address they received the request from to X-Forwarded-For. With no proxies the socket's peer is
 * the client and X-Forwarded-For is ignored (anyone can send it). With N proxies the client is the N-th entry
 * from the right: entries further left were written by the client itself and prove nothing. Used only to count
 * failures per client; never logged or stored as it is.
 */
export function clientAddress(
  socketAddress: string | undefined,
  forwardedFor: string | string[] | undefined,
  trustedProxies: number,
): string {
  const peer = socketAddress ?? 'unknown';
  if (trustedProxies <= 0) return peer;
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : (forwardedFor ?? '');
  const hops = header
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (hops.length === 0) return peer;
  // Fewer entries than proxies: a proxy did not add one; the leftmost is the furthest one we have.
  return hops[Math.max(0, hops.length - trustedProxies)]!;
}
