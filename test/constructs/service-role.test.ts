import { IamRole } from '@cdktn/provider-aws/lib/iam-role';
import { Testing } from 'cdktn';
import { ServiceRole } from '../../constructs/iam/service-role';
import { policyDocument, validateStatement, type PolicyStatement } from '../../constructs/iam/policy';
import { awsTestStack, inlinePolicies, inventory, onlyResource, synth } from '../support/cdk-test-kit';

function role(props: Partial<ConstructorParameters<typeof ServiceRole>[2]> = {}) {
  const { stack } = awsTestStack();
  return { stack, role: new ServiceRole(stack, 'r', { roleName: 'clarivum-test', servicePrincipal: 'scheduler.amazonaws.com', ...props }) };
}

describe('ServiceRole', () => {
  it('creates a role a single service may assume, guarded by the source account when given', () => {
    const { stack } = role({ sourceAccount: '111111111111' });
    const s = synth(stack);
    expect(inventory(s)).toEqual(['aws_iam_role x1']);
    expect(Testing.synth(stack, true)).toHaveResourceWithProperties(IamRole, { name: 'clarivum-test' });
    expect(JSON.parse(onlyResource(s, 'aws_iam_role').assume_role_policy as string).Statement).toEqual([{
      Effect: 'Allow',
      Principal: { Service: 'scheduler.amazonaws.com' },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' } },
    }]);
  });

  it('adds one named inline policy per grant', () => {
    const { stack, role: r } = role();
    r.addPolicy('queue', [{ actions: ['sqs:SendMessage'], resources: ['arn:aws:sqs:eu-central-1:1:q'] }]);
    r.addPolicy('random', [{ actions: ['secretsmanager:GetRandomPassword'], resources: ['*'] }]);
    expect(inlinePolicies(synth(stack)).map((p) => [p.name, p.statements])).toEqual([
      ['queue', [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: 'arn:aws:sqs:eu-central-1:1:q' }]],
      ['random', [{ Effect: 'Allow', Action: 'secretsmanager:GetRandomPassword', Resource: '*' }]],
    ]);
  });

  it.each<[string, Partial<ConstructorParameters<typeof ServiceRole>[2]>, RegExp]>([
    ['role name', { roleName: 'bad name' }, /ServiceRole roleName "bad name" must be 1 to 64 characters/],
    ['service principal', { servicePrincipal: 'arn:aws:iam::1:root' }, /servicePrincipal "arn:aws:iam::1:root" must be a service principal/],
    ['source account', { sourceAccount: '1234-5678-9012' }, /ServiceRole sourceAccount "1234-5678-9012" must be a 12-digit AWS account id/],
  ])('rejects a bad %s', (_what, props, message) => {
    expect(() => role(props)).toThrow(message);
  });

  it('rejects a bad policy id, a reused id and an empty policy', () => {
    const { role: r } = role();
    const ok: PolicyStatement = { actions: ['sqs:SendMessage'], resources: ['arn:q'] };
    expect(() => r.addPolicy('Bad Id', [ok])).toThrow(/policy id "Bad Id" must be lowercase/);
    r.addPolicy('q', [ok]);
    expect(() => r.addPolicy('q', [ok])).toThrow(/policy id "q" is already used on role test\/r/);
    expect(() => r.addPolicy('empty', [])).toThrow(/policy "empty" needs at least one statement/);
  });

  it('refuses statements that are not least privilege before anything is synthesized', () => {
    const { role: r } = role();
    expect(() => r.addPolicy('wild', [{ actions: ['secretsmanager:GetSecretValue'], resources: ['*'] }]))
      .toThrow(/resource "\*" is not allowed for secretsmanager:GetSecretValue; name the resource ARNs/);
  });
});

describe('validateStatement', () => {
  it.each<[string, PolicyStatement, RegExp]>([
    ['no action', { actions: [], resources: ['arn'] }, /needs at least one action/],
    ['no resource', { actions: ['sqs:SendMessage'], resources: [] }, /needs at least one resource \(actions sqs:SendMessage\)/],
    ['sid', { sid: 'bad-sid', actions: ['sqs:SendMessage'], resources: ['arn'] }, /sid "bad-sid" must be letters and digits only/],
    ['malformed action', { actions: ['SendMessage'], resources: ['arn'] }, /action "SendMessage" is not service:Action/],
    ['service-wide action', { actions: ['kms:*'], resources: ['arn'] }, /action "kms:\*" grants a whole service/],
    ['any action', { actions: ['*'], resources: ['arn'] }, /action "\*" is not service:Action/],
    ['kms on *', { actions: ['kms:Decrypt'], resources: ['*'] }, /resource "\*" is not allowed for kms:Decrypt/],
  ])('rejects %s', (_what, statement, message) => {
    expect(() => validateStatement('here', statement)).toThrow(message);
  });

  it('renders single values as strings and keeps conditions', () => {
    const doc = JSON.parse(policyDocument([{ sid: 'A1', actions: ['kms:Decrypt'], resources: ['arn:k'], conditions: { StringEquals: { 'kms:ViaService': 's' } } }]));
    expect(doc).toEqual({
      Version: '2012-10-17',
      Statement: [{ Sid: 'A1', Effect: 'Allow', Action: 'kms:Decrypt', Resource: 'arn:k', Condition: { StringEquals: { 'kms:ViaService': 's' } } }],
    });
  });
});
