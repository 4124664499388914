/**
 * The explicit key policy of an environment's customer managed key, instead of KMS's default one:
 * the account administers the key and may grant its use through IAM (every grant in this project is
 * scoped to Secrets Manager with `kms:ViaService`), and CloudWatch Logs in the region may use it for
 * this account's log groups only (encryption context condition). No `kms:*`: administration is named
 * action by action and none of those actions decrypts. (Resource `*` in a key policy means the key
 * itself: a key policy applies to its own key only.)
 */

/** Administration of the key; none of these reads or uses key material. */
export const KEY_ADMIN_ACTIONS = [
  'kms:CancelKeyDeletion', 'kms:CreateAlias', 'kms:CreateGrant', 'kms:DeleteAlias', 'kms:DescribeKey',
  'kms:DisableKey', 'kms:DisableKeyRotation', 'kms:EnableKey', 'kms:EnableKeyRotation', 'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus', 'kms:ListAliases', 'kms:ListGrants', 'kms:ListKeyPolicies', 'kms:ListResourceTags',
  'kms:PutKeyPolicy', 'kms:RevokeGrant', 'kms:ScheduleKeyDeletion', 'kms:TagResource', 'kms:UntagResource',
  'kms:UpdateAlias', 'kms:UpdateKeyDescription',
] as const;

/** Use of the key that IAM policies of the account may grant (this project grants it via Secrets Manager only). */
export const KEY_USE_ACTIONS = ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:ReEncryptFrom', 'kms:ReEncryptTo'] as const;

export function platformKeyPolicy(accountId: string, region: string): string {
  if (!/^\d{12}$/.test(accountId)) throw new Error(`key policy: accountId must be a 12-digit AWS account id, got "${accountId}"`);
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new Error(`key policy: region must be an AWS region such as eu-central-1, got "${region}"`);
  const account = `arn:aws:iam::${accountId}:root`;
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'AccountAdministers', Effect: 'Allow', Principal: { AWS: account }, Action: [...KEY_ADMIN_ACTIONS], Resource: '*' },
      { Sid: 'AccountIamGrantsUse', Effect: 'Allow', Principal: { AWS: account }, Action: [...KEY_USE_ACTIONS], Resource: '*' },
      {
        Sid: 'LogsEncryptThisAccountsLogGroups',
        Effect: 'Allow',
        Principal: { Service: `logs.${region}.amazonaws.com` },
        Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:DescribeKey'],
        Resource: '*',
        Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:${region}:${accountId}:log-group:*` } },
      },
    ],
  });
}
