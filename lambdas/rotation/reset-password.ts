/**
 * `reset-password`: for plans without ACL users. The Developer API reset revokes both REST tokens
 * at once and issues new ones that nobody can know beforehand, so nothing can be staged before the
 * reset. createSecret therefore only checks that the reset can be done; setSecret resets and stages the
 * issued tokens as AWSPENDING in the same invocation. From the reset to finishSecret AWSCURRENT is
 * refused and consumers use AWSPENDING (their credential source falls back to it on a 401); the one
 * unavoidable gap is the round trip between the reset and the staging put (docs/runbook.md).
 */
import type { UpstashDatabaseDetails } from '../shared/upstash-developer-api';
import type { UpstashSecretValue } from './secret-value';
import { testTokens, type RotationStrategyHandler, type StrategyContext, type StrategyStages } from './strategy';

function valueOf(db: UpstashDatabaseDetails, ctx: StrategyContext): UpstashSecretValue {
  return {
    schemaVersion: 1,
    url: ctx.restUrl(db),
    token: db.restToken,
    readOnlyToken: db.readOnlyRestToken,
    databaseId: ctx.databaseId,
    strategy: { name: 'reset-password' },
    rotatedAt: ctx.now().toISOString(),
  };
}

export const resetPassword: RotationStrategyHandler = {
  name: 'reset-password',

  async create(_stages: StrategyStages, ctx: StrategyContext): Promise<undefined> {
    // Fails here, before anything is revoked, when the Developer API key or the database is wrong.
    await (await ctx.developerApi()).getDatabase(ctx.databaseId);
    ctx.logger.info('the database can be reset; the new tokens are issued and staged by setSecret', { databaseId: ctx.databaseId });
    return undefined;
  },

  async apply(pending: UpstashSecretValue | undefined, stages: StrategyStages, ctx: StrategyContext): Promise<UpstashSecretValue | undefined> {
    if (pending) {
      ctx.logger.info('the reset tokens are staged already: setSecret done before', { databaseId: ctx.databaseId });
      return undefined;
    }
    const api = await ctx.developerApi();
    const before = await api.getDatabase(ctx.databaseId);
    if (stages.current && before.restToken !== stages.current.token) {
      // A setSecret that died between its reset and its put: stage the tokens that reset issued
      // instead of resetting again (which would only lengthen the window).
      ctx.logger.warn('the database tokens already differ from AWSCURRENT: staging them without another reset', { databaseId: ctx.databaseId });
      return valueOf(before, ctx);
    }
    await api.resetPassword(ctx.databaseId);
    const db = await api.getDatabase(ctx.databaseId);
    if (db.restToken === before.restToken) {
      throw new Error(`the Developer API still reports the old token of database ${ctx.databaseId} after the reset`);
    }
    ctx.logger.info('reset the database password through the Developer API', { databaseId: ctx.databaseId });
    return valueOf(db, ctx);
  },

  async test(pending: UpstashSecretValue, _stages: StrategyStages, ctx: StrategyContext): Promise<void> {
    await testTokens(pending, ctx.rest);
  },
};
