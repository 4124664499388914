import { httpHandler, perContainer } from '../../lambdas/shared/per-container';
import { captureLogs } from '../support/captured-logs';

describe('perContainer', () => {
  it('builds once and reuses the result', async () => {
    let builds = 0;
    const get = perContainer(async () => ++builds);
    expect(await Promise.all([get(), get(), get()])).toEqual([1, 1, 1]);
    expect(builds).toBe(1);
  });

  it('does not cache a failed build: the next call builds again', async () => {
    let builds = 0;
    const get = perContainer(async () => {
      builds += 1;
      if (builds === 1) throw new Error('secret unreadable');
      return 'ready';
    });
    await expect(get()).rejects.toThrow('secret unreadable');
    await expect(get()).resolves.toBe('ready');
  });
});

describe('httpHandler', () => {
  it('answers 503 JSON without a stack when the function cannot be built, then recovers', async () => {
    let fail = true;
    const logs = captureLogs();
    const handler = httpHandler('demo', async () => {
      if (fail) throw new Error('missing UPSTASH_REDIS_REST_URL');
      return async () => ({ statusCode: 204, headers: {} });
    });
    const first = await handler({ requestContext: { requestId: 'req-1' } } as never);
    expect(first.statusCode).toBe(503);
    expect(JSON.parse(first.body as string)).toEqual({ error: 'not_configured', message: 'the demo function is not configured; see its logs' });
    expect(logs.lines()).toEqual([expect.objectContaining({ level: 'ERROR', message: 'demo function is not configured', error: 'missing UPSTASH_REDIS_REST_URL', correlation_id: 'req-1' })]);
    fail = false;
    expect((await handler({} as never)).statusCode).toBe(204);
    logs.restore();
  });
});
