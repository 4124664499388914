/**
 * Connections from the local Upstash server to redis-server for one identity (default user or an ACL
 * user) on one logical database: a few shared connections that pipeline concurrent requests, and
 * exclusive ones for transactions and blocking commands.
 */
import Redis, { type RedisOptions } from 'ioredis';

export interface ConnectionIdentity {
  readonly username?: string;
  readonly password?: string;
}

export interface ConnectionPoolOptions extends ConnectionIdentity {
  readonly redisUrl: string;
  readonly db: number;
  /** Shared (pipelined) connections. @default 4 */
  readonly shared?: number;
}

const MAX_IDLE_EXCLUSIVE = 4;

const CONNECTION_FAILURE = /Connection is closed|Stream isn't writeable|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|connect|Connection pool is closed/i;

/** An error that is not a Redis reply: the connection to Redis failed, closed or is not up. */
export function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error) || err.name === 'ReplyError') return false;
  return err.name === 'MaxRetriesPerRequestError' || CONNECTION_FAILURE.test(err.message);
}

function connectionOptions(opts: ConnectionPoolOptions): RedisOptions {
  return {
    db: opts.db,
    username: opts.username,
    password: opts.password,
    lazyConnect: true,
    // Fail fast while Redis is down (the REST caller gets a 503) instead of queueing requests.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectTimeout: 2_000,
    // ioredis waits this long for an already-dead socket to close on disconnect(), holding the process.
    disconnectTimeout: 100,
    retryStrategy: (times) => Math.min(times * 50, 500),
  };
}

export class ConnectionPool {
  private readonly shared: Redis[] = [];
  private readonly idle: Redis[] = [];
  private readonly busy = new Set<Redis>();
  private next = 0;
  private closed = false;

  private constructor(private readonly opts: ConnectionPoolOptions) {}

  /** Opens the shared connections; rejects (e.g. WRONGPASS) when the identity cannot log in. */
  static async open(opts: ConnectionPoolOptions): Promise<ConnectionPool> {
    const pool = new ConnectionPool(opts);
    const count = opts.shared ?? 4;
    try {
      for (let i = 0; i < count; i++) pool.shared.push(await pool.connect());
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  private async connect(): Promise<Redis> {
    const conn = new Redis(this.opts.redisUrl, connectionOptions(this.opts));
    conn.on('error', () => undefined); // reported through the failing commands instead
    try {
      await conn.connect();
    } catch (err) {
      conn.disconnect();
      throw err;
    }
    return conn;
  }

  /** A new connection of this identity that the caller owns and disconnects (e.g. a subscriber). */
  dedicated(): Promise<Redis> {
    if (this.closed) return Promise.reject(new Error('Connection pool is closed'));
    return this.connect();
  }

  /** A shared connection (round robin); commands of one request must all go to the same one. */
  sharedConnection(): Redis {
    const conn = this.shared[this.next];
    this.next = (this.next + 1) % this.shared.length;
    return conn;
  }

  /** Runs `fn` on a connection no other request uses meanwhile. */
  async exclusive<T>(fn: (conn: Redis) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('Connection pool is closed');
    const conn = this.idle.pop() ?? (await this.connect());
    this.busy.add(conn);
    let healthy = false;
    try {
      const result = await fn(conn);
      healthy = true;
      return result;
    } finally {
      this.busy.delete(conn);
      if (healthy && !this.closed && conn.status === 'ready' && this.idle.length < MAX_IDLE_EXCLUSIVE) {
        this.idle.push(conn);
      } else {
        conn.disconnect();
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.shared, ...this.idle, ...this.busy];
    this.shared.length = 0;
    this.idle.length = 0;
    this.busy.clear();
    await Promise.all(all.map(async (conn) => {
      if (conn.status === 'ready') {
        try {
          await conn.quit();
          return;
        } catch {
          // fall through to disconnect
        }
      }
      conn.disconnect();
    }));
  }
}
