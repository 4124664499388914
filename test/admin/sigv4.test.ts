/**
 * The CLI's SigV4 signing (AWS SDK signer) for the HTTP API's IAM authorization: a local server
 * receives what the CLI sends and recomputes the signature with the same credentials; API Gateway's
 * own check cannot run here (AWS, not reachable), so the recomputation stands in for it.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { AdminClient } from '../../cli/admin-client';
import { main } from '../../cli/main';
import { sigV4Signer, signingRegion, wantsSigV4 } from '../../cli/sigv4';

const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const TOKEN = 'operator-admin-token-0123456789abcdef';

let server: Server;
let url: string;
let received: { method: string; path: string; headers: IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => {
      received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true,"kind":"surface","bumped":[{"generation":"g1"}],"durationMs":1}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));
beforeEach(() => { received = []; });

/** What the server would compute for the request it received, signed at the date it carries. */
async function expectedAuthorization(r: (typeof received)[number]): Promise<string> {
  const signer = new SignatureV4({ service: 'execute-api', region: 'eu-central-1', credentials: CREDENTIALS, sha256: Hash.bind(null, 'sha256'), applyChecksum: true });
  const signedNames = /SignedHeaders=([^,]+)/.exec(String(r.headers.authorization))![1].split(';');
  // The payload hash is recomputed from the body received, not taken from the header.
  const headers = Object.fromEntries(signedNames.filter((n) => n !== 'x-amz-content-sha256').map((n) => [n, String(r.headers[n])]));
  const at = String(r.headers['x-amz-date']);
  const date = new Date(`${at.slice(0, 4)}-${at.slice(4, 6)}-${at.slice(6, 8)}T${at.slice(9, 11)}:${at.slice(11, 13)}:${at.slice(13, 15)}Z`);
  const [path, query = ''] = r.path.split('?');
  const host = new URL(url);
  const again = await signer.sign({
    method: r.method, protocol: 'http:', hostname: host.hostname, port: Number(host.port), path,
    query: Object.fromEntries(new URLSearchParams(query)), headers, body: r.body,
  }, { signingDate: date });
  return String(again.headers.authorization);
}

describe('SigV4 admin requests', () => {
  it('signs with the AWS SDK signer, carries the token in X-API-Token, and the signature verifies', async () => {
    const client = new AdminClient({ baseUrl: url, token: TOKEN, signer: sigV4Signer('eu-central-1', CREDENTIALS) });
    await client.post('/admin/invalidate', { surface: 'marketing', bump: true }, { idempotencyKey: 'k-1' });
    await client.get('/admin/status?window=1h');
    expect(received).toHaveLength(2);
    for (const r of received) {
      expect(r.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-central-1\/execute-api\/aws4_request, SignedHeaders=[^,]*x-api-token[^,]*, Signature=[0-9a-f]{64}$/);
      expect(r.headers['x-api-token']).toBe(TOKEN);
      expect(await expectedAuthorization(r)).toBe(r.headers.authorization);
    }
  });

  it('a changed body no longer matches the signature', async () => {
    const client = new AdminClient({ baseUrl: url, token: TOKEN, signer: sigV4Signer('eu-central-1', CREDENTIALS) });
    await client.post('/admin/bypass', { surface: 'marketing', enabled: true });
    const tampered = { ...received[0], body: '{"surface":"api","enabled":true}' };
    expect(await expectedAuthorization(tampered)).not.toBe(received[0].headers.authorization);
  });

  it('signs for execute-api hosts by default, and on request for other URLs', () => {
    const api = new URL('https://abc123.execute-api.eu-central-1.amazonaws.com/admin/status');
    expect(wantsSigV4(api, {})).toBe(true);
    expect(signingRegion(api, {})).toBe('eu-central-1');
    expect(wantsSigV4(new URL('https://cache.clarivum.example'), {})).toBe(false);
    expect(wantsSigV4(new URL('https://cache.clarivum.example'), { CACHE_ADMIN_SIGV4: 'true' })).toBe(true);
    expect(() => signingRegion(new URL('https://cache.clarivum.example'), {})).toThrow(/set AWS_REGION/);
  });

  it('the CLI signs from the operator credentials of the SDK chain (here: the environment)', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey });
    const out: string[] = [];
    try {
      const code = await main(['version-bump', '--surface', 'marketing'],
        { CACHE_ADMIN_URL: url, CACHE_ADMIN_TOKEN: TOKEN, CACHE_ADMIN_SIGV4: 'true', AWS_REGION: 'eu-central-1' },
        { out: (l) => out.push(l), err: (l) => out.push(l) });
      expect(code).toBe(0);
    } finally {
      process.env = saved;
    }
    expect(received[0].headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\//);
    expect(await expectedAuthorization(received[0])).toBe(received[0].headers.authorization);
  });
});
