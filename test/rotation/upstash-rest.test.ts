/**
 * The rotation function's REST runner retries network errors, except for token mints: a lost
 * `ACL GENTOKEN` reply retried would leave a second valid token nobody has seen.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UpstashRestRunner } from '../../lambdas/rotation/upstash-rest';

let server: Server;
let url: string;
const received: string[] = [];

beforeAll(async () => {
  // Reads each command, then drops the connection without answering: a reply lost on the network.
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => { body += chunk.toString(); });
    req.on('end', () => {
      received.push(body);
      res.socket?.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));
beforeEach(() => { received.length = 0; });

const runner = new UpstashRestRunner({ retries: 2, timeoutMs: 2_000 });

it('retries an ordinary command after a lost reply', async () => {
  await expect(runner.run(url, 'token', ['PING'])).rejects.toThrow();
  expect(received).toHaveLength(3);
});

it.each([['ACL', 'GENTOKEN', 'app-blue'], ['acl', 'resttoken', 'app-blue', 'secret']])('sends %s %s once', async (...command) => {
  await expect(runner.run(url, 'token', command)).rejects.toThrow();
  expect(received).toHaveLength(1);
});
