import { IamRole } from '@cdktn/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktn/provider-aws/lib/iam-role-policy';
import { Token } from 'cdktn';
import { Construct } from 'constructs';
import { policyDocument, validateStatement, type PolicyStatement } from './policy';
import type { IGrantable } from './grantable';

export interface ServiceRoleProps {
  /** Physical role name (at most 64 characters of `[A-Za-z0-9+=,.@_-]`). */
  readonly roleName: string;
  /** Service allowed to assume the role, e.g. `lambda.amazonaws.com`. */
  readonly servicePrincipal: string;
  /** @default - none */
  readonly description?: string;
  /**
   * Only this account's resources may make the service assume the role (confused-deputy guard via
   * `aws:SourceAccount`), 12 digits. @default - no condition (Lambda execution roles need none)
   */
  readonly sourceAccount?: string;
}

/**
 * An IAM role for one AWS service with inline, least-privilege policies. Grants add one named
 * inline policy each; statements with `*` on scoped actions are refused at construction time.
 */
export class ServiceRole extends Construct implements IGrantable {
  readonly role: IamRole;
  private readonly policyIds = new Set<string>();

  constructor(scope: Construct, id: string, props: ServiceRoleProps) {
    super(scope, id);
    if (!Token.isUnresolved(props.roleName) && !/^[A-Za-z0-9+=,.@_-]{1,64}$/.test(props.roleName)) {
      throw new Error(`ServiceRole roleName "${props.roleName}" must be 1 to 64 characters of [A-Za-z0-9+=,.@_-]`);
    }
    if (!/^[a-z0-9.-]+\.amazonaws\.com$/.test(props.servicePrincipal)) {
      throw new Error(`ServiceRole servicePrincipal "${props.servicePrincipal}" must be a service principal such as lambda.amazonaws.com`);
    }
    // A malformed account id would not fail at deploy: the condition would just never match.
    if (props.sourceAccount !== undefined && !Token.isUnresolved(props.sourceAccount) && !/^\d{12}$/.test(props.sourceAccount)) {
      throw new Error(`ServiceRole sourceAccount "${props.sourceAccount}" must be a 12-digit AWS account id`);
    }
    this.role = new IamRole(this, 'role', {
      name: props.roleName,
      description: props.description,
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{
          Effect: 'Allow',
          Principal: { Service: props.servicePrincipal },
          Action: 'sts:AssumeRole',
          ...(props.sourceAccount ? { Condition: { StringEquals: { 'aws:SourceAccount': props.sourceAccount } } } : {}),
        }],
      }),
    });
  }

  /** A role is its own grantee. */
  get grantPrincipal(): ServiceRole {
    return this;
  }

  get roleArn(): string {
    return this.role.arn;
  }

  get roleName(): string {
    return this.role.name;
  }

  /**
   * Attaches an inline policy named after `policyId` (a stable id: renaming it replaces the policy).
   * Throws when the id is used twice or a statement is not least-privilege.
   */
  addPolicy(policyId: string, statements: readonly PolicyStatement[]): IamRolePolicy {
    if (!/^[a-z0-9-]{1,64}$/.test(policyId)) throw new Error(`policy id "${policyId}" must be lowercase [a-z0-9-]`);
    if (this.policyIds.has(policyId)) throw new Error(`policy id "${policyId}" is already used on role ${this.node.path}`);
    if (statements.length === 0) throw new Error(`policy "${policyId}" needs at least one statement`);
    statements.forEach((s, i) => validateStatement(`policy "${policyId}" statement ${i}`, s));
    this.policyIds.add(policyId);
    return new IamRolePolicy(this, `policy-${policyId}`, {
      name: policyId,
      role: this.role.name,
      policy: policyDocument(statements),
    });
  }
}
