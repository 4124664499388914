/**
 * `reset-password`: for plans without ACL users. The Developer API reset revokes both REST tokens
 * at once and issues new ones, so AWSCURRENT is refused from createSecret until finishSecret moves the
 * label; consumers ride this out with refresh-on-401 (they poll AWSCURRENT briefly for the new value).
 */
import type { UpstashSecretValue } from './secret-value';
import { testTokens, type RotationStrategyHandler, type StrategyContext, type StrategyStages } from './strategy';

export const resetPassword: RotationStrategyHandler = {
  name: 'reset-password',

  async create(stages: StrategyStages, ctx: StrategyContext): Promise<UpstashSecretValue> {
    const api = await ctx.developerApi();
    await api.resetPassword(ctx.databaseId);
    const db = await api.getDatabase(ctx.databaseId);
    if (stages.current && db.restToken === stages.current.token) {
      throw new Error(`the Developer API still reports the old token of database ${ctx.databaseId} after the reset`);
    }
    ctx.logger.info('reset the database password through the Developer API', { databaseId: ctx.databaseId });
    return {
      schemaVersion: 1,
      url: ctx.restUrl(db),
      token: db.restToken,
      readOnlyToken: db.readOnlyRestToken,
      databaseId: ctx.databaseId,
      strategy: { name: 'reset-password' },
      rotatedAt: ctx.now().toISOString(),
    };
  },

  async apply(_pending: UpstashSecretValue, ctx: StrategyContext): Promise<void> {
    // Nothing to set: Upstash issued the tokens itself in createSecret and they are live already.
    ctx.logger.info('nothing to set: the reset made the pending tokens live', { databaseId: ctx.databaseId });
  },

  async test(pending: UpstashSecretValue, _stages: StrategyStages, ctx: StrategyContext): Promise<void> {
    await testTokens(pending, ctx.rest);
  },
};
