/**
 * The Lambda entry point: configuration from the environment, and Powertools log lines that carry
 * steps, secrets and versions but never a token.
 */
import { rotatorFromEnv } from '../../lambdas/rotation/handler';
import { enableAndSeed, ROTATION_LAMBDA_ARN, startRotationHarness, type RotationHarness } from './harness';
import { secretNames } from '../../contracts/secrets';

let h: RotationHarness;

beforeAll(async () => {
  h = await startRotationHarness({ strategy: 'reset-password' });
});

afterAll(async () => {
  await h?.stop();
});

describe('rotation handler', () => {
  it('refuses to start without its configuration', () => {
    expect(() => rotatorFromEnv({}, h.client)).toThrow('DEVELOPER_API_SECRET_ID is not set');
    expect(() => rotatorFromEnv({ DEVELOPER_API_SECRET_ID: 'x', UPSTASH_REST_SCHEME: 'ftp' }, h.client))
      .toThrow('UPSTASH_REST_SCHEME must be https or http, got "ftp"');
  });

  it('rotates with the Powertools logger, whose output names steps and versions but no token', async () => {
    const rotator = rotatorFromEnv({
      DEVELOPER_API_SECRET_ID: secretNames('dev').developerApi,
      UPSTASH_DEVELOPER_API_URL: h.devApi.url,
      UPSTASH_REST_SCHEME: 'http',
    }, h.client);
    h.fake.registerRotationFunction(ROTATION_LAMBDA_ARN, (event) => rotator.rotate(event));
    const written: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      const record = await enableAndSeed(h);
      expect(record.failed).toBeUndefined();
    } finally {
      spy.mockRestore();
    }
    const lines = written.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.step).filter(Boolean)).toEqual(expect.arrayContaining(['createSecret', 'setSecret', 'testSecret', 'finishSecret']));
    expect(lines.every((l) => l.service === 'cache-platform-rotation')).toBe(true);
    const text = written.join('');
    const current = h.current();
    expect(text).not.toContain(current.token);
    expect(text).not.toContain(current.readOnlyToken);
    expect(text).toContain(h.fake.rotations[0].token);
  });
});
