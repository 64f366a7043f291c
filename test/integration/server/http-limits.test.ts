import { connect, type Socket } from 'node:net';
import test from 'ava';
import { captureLogs } from '../../helpers/captured-logs';
import { startTestNode } from '../../helpers/test-servers';

type Node = Awaited<ReturnType<typeof startTestNode>>;
let node: Node;
const logs = captureLogs('info');

test.before(async () => {
  node = await startTestNode({
    logger: logs.logger,
    env: { HTTP_HEADERS_TIMEOUT: '1s', HTTP_REQUEST_TIMEOUT: '2s', HTTP_MAX_CONNECTIONS: '4' },
  });
});
test.after.always(async () => {
  await node?.destroy();
});

/** Opens a raw connection to the node, sends `text`, and resolves with what came back once the server closes it. */
function stall(text: string): Promise<{ socket: Socket; closed: Promise<string> }> {
  const port = Number(new URL(node.server.httpUrl).port);
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(text);
      let received = '';
      socket.on('data', (chunk) => (received += chunk.toString()));
      const closed = new Promise<string>((done) => socket.once('close', () => done(received)));
      resolve({ socket, closed });
    });
    socket.once('error', reject);
  });
}

test.serial(
  'a client stalling in its headers or its body is cut at the timeouts, logged as one JSON line',
  async (t) => {
    const headers = await stall('POST /v1/publish HTTP/1.1\r\nHost: x\r\nContent-Type: appl');
    const body = await stall(
      'POST /v1/publish HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"temp',
    );
    // Without the limits these would stay open for minutes (the test's own timeout would fail it first).
    t.regex(await headers.closed, /^HTTP\/1\.1 408|^$/);
    await body.closed;
    t.pass('both connections were closed by the server');
    const lines = logs.lines();
    t.true(lines.length > 0);
    t.true(
      lines.some((l) => String(l.msg).startsWith('http ')),
      'the cut connections were logged',
    );
    for (const line of lines) t.is(line.instance, 'under-test');
    t.notRegex(logs.text(), /\n\s+at /, 'no multi-line stack');
  },
);

test.serial('connections beyond HTTP_MAX_CONNECTIONS are refused', async (t) => {
  const open = await Promise.all(Array.from({ length: 4 }, () => stall('')));
  const extra = await stall('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  t.is(await extra.closed, '', 'refused: closed without an answer');
  for (const c of open) c.socket.destroy();
  await Promise.all(open.map((c) => c.closed));
  const health = await fetch(`${node.server.httpUrl}/healthz`);
  t.is(health.status, 200, 'served again once connections are free');
});
