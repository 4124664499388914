import type { ServiceRole } from './service-role';

/**
 * What a resource grants permissions to, as aws-cdk's `IGrantable`: the role its `grant*` methods
 * add least-privilege policies to. Grants run resource → grantee (`secret.grantRead(fn)`), so a
 * grantee never needs to know the resource types that grant to it.
 */
export interface IGrantable {
  readonly grantPrincipal: ServiceRole;
}
