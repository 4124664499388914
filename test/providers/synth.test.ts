import { Testing, TerraformStack } from 'cdktn';
import { Folder } from '../../providers/generated/grafana/folder';
import { GrafanaProvider } from '../../providers/generated/grafana/provider';
import { UpstashProvider } from '../../providers/generated/upstash/provider';
import { RedisDatabase } from '../../providers/generated/upstash/redis-database';
import { PROVIDERS } from '../../providers/catalog';
import { checkAgainstSchema, formatProblems } from '../support/schema-check';

interface SynthesizedStack {
  terraform: { required_providers: Record<string, { source: string; version: string }> };
  provider: Record<string, unknown[]>;
  resource: Record<string, Record<string, Record<string, unknown>>>;
}

function synthStack(): SynthesizedStack {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'bindings');
  new UpstashProvider(stack, 'upstash', {});
  new RedisDatabase(stack, 'cache', { databaseName: 'dev-cache', region: 'global', primaryRegion: 'eu-west-1', tls: true });
  new GrafanaProvider(stack, 'grafana', { url: 'https://grafana.example.test' });
  new Folder(stack, 'folder', { title: 'Cache platform', uid: 'cache-platform' });
  return JSON.parse(Testing.synth(stack)) as SynthesizedStack;
}

describe('generated provider bindings', () => {
  const synth = synthStack();

  it('pin the snapshot versions and sources in required_providers', () => {
    expect(synth.terraform.required_providers).toEqual({
      upstash: { source: 'upstash/upstash', version: '2.0.1' },
      grafana: { source: 'grafana/grafana', version: '4.45.1' },
    });
    // The catalog is what the generator reads: the pins above must be its values, not stale copies.
    expect(Object.fromEntries(PROVIDERS.map((p) => [p.name, { source: p.source, version: p.version }]))).toEqual(
      synth.terraform.required_providers,
    );
  });

  it('synthesize snake_case resources and provider blocks', () => {
    expect(synth.resource.upstash_redis_database?.cache).toMatchObject({
      database_name: 'dev-cache',
      region: 'global',
      primary_region: 'eu-west-1',
      tls: true,
    });
    expect(synth.resource.grafana_folder?.folder).toMatchObject({ title: 'Cache platform', uid: 'cache-platform' });
    expect(synth.provider.grafana).toEqual([{ url: 'https://grafana.example.test' }]);
  });

  it('produce output the schema check accepts', () => {
    const problems = checkAgainstSchema(synth as unknown as Record<string, unknown>);
    expect(formatProblems(problems)).toBe('');
  });
});
