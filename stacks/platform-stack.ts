import { AwsProvider } from '@cdktn/provider-aws/lib/provider';
import { LocalBackend, S3Backend, TerraformStack } from 'cdktn';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config';

export interface PlatformStackProps {
  /** The validated environment this stack belongs to. */
  readonly env: EnvironmentConfig;
}

/**
 * Base of every stack: one state file per stack (`<env>-<concern>`), the environment's backend
 * and an AWS provider tagged with the environment.
 */
export abstract class PlatformStack extends TerraformStack {
  readonly env: EnvironmentConfig;

  protected constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id);
    this.env = props.env;
    const backend = props.env.backend;
    if (backend.type === 'local') {
      // Synth and plan need no cloud account. Terraform runs in `<outdir>/stacks/<id>` and other
      // stacks read this state through the same path from their own folder, so it is written
      // relative to the sibling folder (cdktf's default is an absolute, machine-specific path).
      new LocalBackend(this, { path: `../${id}/terraform.${id}.tfstate` });
    } else {
      new S3Backend(this, {
        bucket: backend.bucket,
        key: `${id}/${backend.key}`,
        region: backend.region,
        encrypt: true,
        kmsKeyId: backend.kmsKeyId,
        ...(backend.dynamodbTable ? { dynamodbTable: backend.dynamodbTable } : { useLockfile: true }),
      });
    }
    new AwsProvider(this, 'aws', {
      region: props.env.aws.region,
      allowedAccountIds: [props.env.aws.accountId],
      defaultTags: [{ tags: { project: 'cache-platform', environment: props.env.name, stack: id } }],
    });
  }
}
