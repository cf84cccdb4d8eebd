import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias/index.js';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key/index.js';
import { Construct } from 'constructs';
import { policyDocument } from './iam.ts';

export interface EncryptionProps {
  /** The name prefix, e.g. `flagstone-production`; the alias is `alias/<name>`. */
  readonly name: string;
  /** The AWS account id that administers the key (through IAM policies). */
  readonly accountId: string;
  /**
   * Days a scheduled key deletion waits (7-30).
   * @default 30
   */
  readonly deletionWindowInDays?: number;
}

/**
 * One customer-managed KMS key, rotated yearly, for the environment's data at rest: Secrets Manager
 * secrets (including the RDS-managed master password), RDS storage, ElastiCache and the alarm topic.
 * IAM policies grant its use; the key policy adds only CloudWatch and AWS Budgets, which publish to
 * the encrypted SNS topic (the topic policy limits them to this account).
 */
export class Encryption extends Construct {
  /** The key ARN, for `kms_key_id` arguments and IAM policies. */
  readonly keyArn: string;

  constructor(scope: Construct, id: string, props: EncryptionProps) {
    super(scope, id);
    const publishers = ['cloudwatch.amazonaws.com', 'budgets.amazonaws.com'];
    const key = new KmsKey(this, 'key', {
      description: `${props.name}: secrets, database, cache and alarm topic`,
      enableKeyRotation: true,
      deletionWindowInDays: props.deletionWindowInDays ?? 30,
      policy: policyDocument([
        {
          Sid: 'AccountAdministersThroughIam',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${props.accountId}:root` },
          Action: 'kms:*',
          Resource: '*',
        },
        {
          Sid: 'AlarmAndBudgetNotificationsToEncryptedTopic',
          Effect: 'Allow',
          Principal: { Service: publishers },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          Resource: '*',
        },
      ]),
    });
    new KmsAlias(this, 'alias', { name: `alias/${props.name}`, targetKeyId: key.keyId });
    this.keyArn = key.arn;
  }
}
