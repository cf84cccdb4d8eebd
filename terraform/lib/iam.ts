// IAM policy documents as plain JSON strings: what the synthesized Terraform shows is exactly what
// AWS receives, and tests can read the statements.

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | readonly string[];
  Resource?: string | readonly string[];
  Principal?: Record<string, string | readonly string[]>;
  Condition?: Record<string, Record<string, string | readonly string[]>>;
}

export function policyDocument(statements: readonly PolicyStatement[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

/**
 * A trust policy letting one AWS service assume the role. With `accountId`, only on behalf of this
 * account (the confused-deputy guard; use it where the service documents `aws:SourceAccount`).
 */
export function serviceTrustPolicy(service: string, accountId?: string): string {
  return policyDocument([
    {
      Effect: 'Allow',
      Principal: { Service: service },
      Action: 'sts:AssumeRole',
      ...(accountId ? { Condition: { StringEquals: { 'aws:SourceAccount': accountId } } } : {}),
    },
  ]);
}
