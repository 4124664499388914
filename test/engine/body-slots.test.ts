/**
 * The process's body slots: past `freeBytes` an origin body needs a slot to be read further, so
 * concurrent large bodies do not multiply the memory; a read that gets no slot in time times out.
 */
import { BodySlots } from '../../lambdas/engine/body-slots';
import { OriginError, fetchOrigin, type FetchFn } from '../../lambdas/engine/origin';

const CHUNK = 16 * 1024;

/** A body of `chunks` chunks that produces each one only when read, counting what was read. */
function pulledBody(chunks: number, onEnd?: () => void): { response: Response; pulled: () => number } {
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled === chunks) {
        onEnd?.();
        return controller.close();
      }
      pulled += 1;
      controller.enqueue(new Uint8Array(CHUNK));
    },
  }, { highWaterMark: 0 });
  return { response: new Response(stream, { status: 200 }), pulled: () => pulled };
}

const never = new AbortController().signal;

describe('BodySlots', () => {
  it('grants up to `slots` at once, then first come first served as slots are released', async () => {
    const slots = new BodySlots({ slots: 2 });
    const a = await slots.acquire(never);
    const b = await slots.acquire(never);
    const order: string[] = [];
    const c = slots.acquire(never).then((release) => { order.push('c'); return release; });
    const d = slots.acquire(never).then((release) => { order.push('d'); return release; });
    await new Promise((r) => setImmediate(r));
    expect([slots.inUse, order]).toEqual([2, []]);
    a();
    a(); // twice: harmless
    (await c)();
    b();
    (await d)();
    expect(order).toEqual(['c', 'd']);
    expect(slots.inUse).toBe(0);
  });

  it('a waiter whose signal aborts leaves the queue with the signal\'s reason and takes no slot', async () => {
    const slots = new BodySlots({ slots: 1 });
    const held = await slots.acquire(never);
    const controller = new AbortController();
    const waiting = slots.acquire(controller.signal);
    controller.abort(new Error('deadline'));
    await expect(waiting).rejects.toThrow('deadline');
    held();
    expect(slots.inUse).toBe(0);
    await expect(slots.acquire(AbortSignal.abort(new Error('late')))).rejects.toThrow('late');
  });

  it.each([[{ slots: 0 }, /slots must be an integer >= 1, got 0/], [{ freeBytes: -1 }, /freeBytes must be an integer >= 0, got -1/]])(
    'refuses %j', (opts, message) => {
      expect(() => new BodySlots(opts)).toThrow(message);
    });
});

describe('fetchOrigin with body slots', () => {
  it('reads a second large body past freeBytes only once the first one is done', async () => {
    const slots = new BodySlots({ slots: 1, freeBytes: 4 * CHUNK });
    let secondPulledWhenFirstDone = -1;
    const second = pulledBody(64);
    const first = pulledBody(64, () => { secondPulledWhenFirstDone = second.pulled(); });
    const bodies = [first, second];
    const fetchFn: FetchFn = async () => (bodies.shift() as ReturnType<typeof pulledBody>).response;
    const a = fetchOrigin(fetchFn, 'http://origin/a', {}, { timeoutMs: 10_000, slots });
    const b = fetchOrigin(fetchFn, 'http://origin/b', {}, { timeoutMs: 10_000, slots });
    const [ra, rb] = await Promise.all([a, b]);
    expect([ra.body.byteLength, rb.body.byteLength]).toEqual([64 * CHUNK, 64 * CHUNK]);
    // When the first body ended, the second had read its free bytes and the chunk that crossed them.
    expect(secondPulledWhenFirstDone).toBe(5);
    expect(slots.inUse).toBe(0);
  });

  it('a body refused as too large frees its slot', async () => {
    const slots = new BodySlots({ slots: 1, freeBytes: CHUNK });
    const fetchFn: FetchFn = async () => pulledBody(64).response;
    await expect(fetchOrigin(fetchFn, 'http://origin/huge', {}, { timeoutMs: 10_000, slots, maxBytes: 8 * CHUNK }))
      .rejects.toMatchObject({ outcome: 'too_large' });
    expect(slots.inUse).toBe(0);
  });

  it('a read that gets no slot before its timeout fails as an origin timeout, having read no further', async () => {
    const slots = new BodySlots({ slots: 1, freeBytes: 2 * CHUNK });
    const held = await slots.acquire(never);
    const body = pulledBody(64);
    const err = await fetchOrigin(async () => body.response, 'http://origin/slow', {}, { timeoutMs: 100, slots }).catch((e: unknown) => e);
    held();
    expect(err).toBeInstanceOf(OriginError);
    expect(err).toMatchObject({ outcome: 'timeout' });
    expect(body.pulled()).toBeLessThanOrEqual(3);
    expect(slots.inUse).toBe(0);
  });
});
