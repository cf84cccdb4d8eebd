import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import type { Construct } from 'constructs';
import { type PolicyStatement, policyDocument, serviceTrustPolicy } from './iam.ts';

export interface ExecutionRoleOptions {
  /** The role name. */
  readonly name: string;
  /** The AWS account id (trust policy condition). */
  readonly accountId: string;
  /** The AWS region (KMS `kms:ViaService` condition). */
  readonly region: string;
  /** The log group the task's containers write to. */
  readonly logGroupArn: string;
  /** The only secrets the task may receive (whole-secret ARNs, without JSON-key suffixes). */
  readonly secretArns: readonly string[];
  /** The KMS key that encrypts those secrets. */
  readonly kmsKeyArn: string;
  /** The ECR repository the task pulls from; omit for public images. */
  readonly repositoryArn?: string;
}

/**
 * A task execution role (what ECS itself does before the container starts): pull from one ECR
 * repository, write to one log group, read exactly the listed secrets and decrypt them through
 * Secrets Manager only.
 */
export function createExecutionRole(scope: Construct, id: string, options: ExecutionRoleOptions): IamRole {
  const role = new IamRole(scope, id, {
    name: options.name,
    description: 'ECS task execution: image pull, logs, and the task secrets',
    assumeRolePolicy: serviceTrustPolicy('ecs-tasks.amazonaws.com', options.accountId),
  });
  const statements: PolicyStatement[] = [];
  if (options.repositoryArn) {
    statements.push(
      { Sid: 'EcrLogin', Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
      {
        Sid: 'PullImage',
        Effect: 'Allow',
        Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
        Resource: options.repositoryArn,
      },
    );
  }
  statements.push(
    {
      Sid: 'WriteLogs',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: `${options.logGroupArn}:log-stream:*`,
    },
    {
      Sid: 'ReadTaskSecrets',
      Effect: 'Allow',
      Action: 'secretsmanager:GetSecretValue',
      Resource: [...options.secretArns],
    },
    {
      Sid: 'DecryptTaskSecrets',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: options.kmsKeyArn,
      Condition: { StringEquals: { 'kms:ViaService': `secretsmanager.${options.region}.amazonaws.com` } },
    },
  );
  new IamRolePolicy(scope, `${id}-policy`, {
    role: role.id,
    name: 'task-execution',
    policy: policyDocument(statements),
  });
  return role;
}

/**
 * A task role with no permissions: the service calls no AWS API (metrics leave through stdout as
 * EMF). It exists so a future need is granted here, visibly, rather than on the execution role.
 */
export function createTaskRole(
  scope: Construct,
  id: string,
  options: { name: string; accountId: string },
): IamRole {
  return new IamRole(scope, id, {
    name: options.name,
    description: 'Flagstone service task: no AWS permissions needed',
    assumeRolePolicy: serviceTrustPolicy('ecs-tasks.amazonaws.com', options.accountId),
  });
}
