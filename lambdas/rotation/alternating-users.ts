/**
 * `alternating-users`: two Redis ACL users take turns. createSecret drops the idle user's passwords
 * but AWSPREVIOUS's (so tokens from lost GENTOKEN replies of an earlier attempt are revoked first),
 * gives it one more token and stages it: nothing a consumer holds is touched. setSecret then drops
 * every other password of that user (the token it had, AWSPREVIOUS for a whole rotation period) and
 * enables it. The current user is never touched, so consumers
 * never see a refused token. ACL commands run with the database's default token, read fresh from the
 * Developer API and never stored; setSecret also resets that default password, so the default user's
 * credentials in an old copy of Terraform state are dead after each rotation.
 */
import type { UpstashSecretValue } from './secret-value';
import { isRefused, testTokens, type RotationStrategyHandler, type StrategyContext, type StrategyStages } from './strategy';

/** The two users, in the order they are first used. */
export const ACL_USERS = ['app-blue', 'app-green'] as const;

/** Rules of the read-write user: everything but administration (ACL, CONFIG...), KEYS and flushes. */
export const READ_WRITE_ACL_RULES = ['~*', '&*', '+@all', '-@admin', '-keys', '-flushall', '-flushdb'] as const;
/** Rules of the read-only user: reads only, and not the keyspace walks Upstash refuses read-only tokens. */
export const READ_ONLY_ACL_RULES = ['~*', '&*', '-@all', '+@read', '-keys', '-scan'] as const;

/** Enables the user and clears its key, channel and command rules before the rules above. */
const RESET_RULES = ['on', 'resetkeys', 'resetchannels', '-@all'] as const;

export function readOnlyUserOf(user: string): string {
  return `${user}-ro`;
}

/** The user that is not serving traffic: the other one than AWSCURRENT's (the first one when unseeded). */
export function idleUser(current: UpstashSecretValue | undefined): string {
  const active = current?.strategy.name === 'alternating-users' ? current.strategy.user : undefined;
  return active === ACL_USERS[0] ? ACL_USERS[1] : ACL_USERS[0];
}

/** The password AWSPREVIOUS holds for `name` (a GENTOKEN token is its user's password), if any. */
function previousPassword(previous: UpstashSecretValue | undefined, name: string): string | undefined {
  if (previous?.strategy.name !== 'alternating-users') return undefined;
  if (previous.strategy.user === name) return previous.token;
  return previous.strategy.readOnlyUser === name ? previous.readOnlyToken : undefined;
}

/** URL and default-user token of the database (ACL rights), fresh from the Developer API. */
async function admin(ctx: StrategyContext): Promise<{ url: string; token: string }> {
  const db = await (await ctx.developerApi()).getDatabase(ctx.databaseId);
  return { url: ctx.restUrl(db), token: db.restToken };
}

export const alternatingUsers: RotationStrategyHandler = {
  name: 'alternating-users',

  async create(stages: StrategyStages, ctx: StrategyContext): Promise<UpstashSecretValue> {
    const user = idleUser(stages.current);
    const readOnlyUser = readOnlyUserOf(user);
    const { url, token: adminToken } = await admin(ctx);
    const tokens: string[] = [];
    for (const name of [user, readOnlyUser]) {
      // GENTOKEN is sent once, never retried (UpstashRestRunner). Before minting, every password of
      // the idle user but AWSPREVIOUS's (which consumers may still hold) goes, so a token minted by an
      // earlier attempt whose reply was lost is revoked before a new one exists; setSecret then keeps
      // only the staged one. (SETUSER also creates a missing user: disabled, no rights.)
      const keep = previousPassword(stages.previous, name);
      await ctx.rest.run(url, adminToken, ['ACL', 'SETUSER', name, 'resetpass', ...(keep ? [`>${keep}`] : [])]);
      const minted = await ctx.rest.run(url, adminToken, ['ACL', 'GENTOKEN', name]);
      if (typeof minted !== 'string' || minted.length === 0) throw new Error(`ACL GENTOKEN ${name} returned no token`);
      tokens.push(minted);
    }
    ctx.logger.info('issued fresh tokens to the idle ACL users', { user, readOnlyUser });
    return {
      schemaVersion: 1,
      url,
      token: tokens[0],
      readOnlyToken: tokens[1],
      databaseId: ctx.databaseId,
      strategy: { name: 'alternating-users', user, readOnlyUser },
      rotatedAt: ctx.now().toISOString(),
    };
  },

  async apply(pending: UpstashSecretValue | undefined, _stages: StrategyStages, ctx: StrategyContext): Promise<undefined> {
    if (pending?.strategy.name !== 'alternating-users') throw new Error('pending value is not an alternating-users value');
    // No function uses the default user; resetting its password each rotation (harmless to repeat)
    // leaves nothing usable in an older copy of the data stack's state.
    await (await ctx.developerApi()).resetPassword(ctx.databaseId);
    const { url, token } = await admin(ctx);
    // One command each (atomic, idempotent): every password but the staged token goes, then the rules
    // are reset and set again.
    await ctx.rest.run(url, token, ['ACL', 'SETUSER', pending.strategy.user, 'resetpass', `>${pending.token}`, ...RESET_RULES, ...READ_WRITE_ACL_RULES]);
    await ctx.rest.run(url, token, ['ACL', 'SETUSER', pending.strategy.readOnlyUser, 'resetpass', `>${pending.readOnlyToken}`, ...RESET_RULES, ...READ_ONLY_ACL_RULES]);
    ctx.logger.info('kept only the staged tokens and enabled the pending ACL users', { user: pending.strategy.user, readOnlyUser: pending.strategy.readOnlyUser });
    return undefined;
  },

  async test(pending: UpstashSecretValue, stages: StrategyStages, ctx: StrategyContext): Promise<void> {
    await testTokens(pending, ctx.rest);
    const previous = stages.previous;
    if (pending.strategy.name === 'alternating-users' && previous?.strategy.name === 'alternating-users' && previous.strategy.user === pending.strategy.user) {
      // The same user's token from two rotations ago must be dead now. Whether Upstash revokes REST
      // tokens at once when their password goes is undocumented, so this warns instead of failing.
      if (!(await isRefused(previous.url, previous.token, ctx.rest))) {
        ctx.logger.warn('the previous token of the rotated user is still accepted', { user: pending.strategy.user });
      } else {
        ctx.logger.info('the previous token of the rotated user is revoked', { user: pending.strategy.user });
      }
    }
  },
};
