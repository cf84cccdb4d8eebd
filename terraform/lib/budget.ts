import { BudgetsBudget } from '@cdktf/provider-aws/lib/budgets-budget/index.js';
import { Construct } from 'constructs';

export interface CostBudgetProps {
  /** The budget name, e.g. `flagstone-production-monthly`. */
  readonly name: string;
  /** The AWS account the budget watches. */
  readonly accountId: string;
  /**
   * The monthly limit in USD.
   * @default 50
   */
  readonly monthlyLimitUsd?: number;
  /** The `Environment` tag value whose costs count (the tag must be an active cost allocation tag). */
  readonly environmentTag: string;
  /** The SNS topic notified (the alarm topic). */
  readonly topicArn: string;
  /**
   * Email addresses notified directly as well.
   * @default []
   */
  readonly emails?: readonly string[];
}

/**
 * A monthly AWS Budgets cost budget over the resources tagged `Environment=<environment>`, notifying
 * when actual spend passes 80 % and when the forecast passes 100 % of the limit.
 */
export class CostBudget extends Construct {
  readonly budgetName: string;

  constructor(scope: Construct, id: string, props: CostBudgetProps) {
    super(scope, id);
    const subscribers = {
      subscriberSnsTopicArns: [props.topicArn],
      ...(props.emails && props.emails.length > 0 ? { subscriberEmailAddresses: [...props.emails] } : {}),
    };
    const budget = new BudgetsBudget(this, 'budget', {
      name: props.name,
      accountId: props.accountId,
      budgetType: 'COST',
      timeUnit: 'MONTHLY',
      limitAmount: (props.monthlyLimitUsd ?? 50).toFixed(2),
      limitUnit: 'USD',
      costFilter: [{ name: 'TagKeyValue', values: [`user:Environment$${props.environmentTag}`] }],
      notification: [
        {
          notificationType: 'ACTUAL',
          comparisonOperator: 'GREATER_THAN',
          threshold: 80,
          thresholdType: 'PERCENTAGE',
          ...subscribers,
        },
        {
          notificationType: 'FORECASTED',
          comparisonOperator: 'GREATER_THAN',
          threshold: 100,
          thresholdType: 'PERCENTAGE',
          ...subscribers,
        },
      ],
    });
    this.budgetName = budget.name;
  }
}
