import { EcrLifecyclePolicy } from '@cdktf/provider-aws/lib/ecr-lifecycle-policy/index.js';
import { EcrRepository } from '@cdktf/provider-aws/lib/ecr-repository/index.js';
import { Construct } from 'constructs';

/** Tag suffix of the `migrate` image target: `<tag>` runs the service, `<tag>-migrate` the migrations. */
export const MIGRATE_TAG_SUFFIX = '-migrate';

export interface ContainerRegistryProps {
  /** The repository name, e.g. `flagstone-production`. */
  readonly name: string;
  /**
   * Images kept; older ones are expired by a lifecycle rule.
   * @default 50
   */
  readonly keepImages?: number;
  /**
   * Let `terraform destroy` delete the repository while it still holds images.
   * @default false
   */
  readonly forceDelete?: boolean;
}

/**
 * The ECR repository for both image targets of the root Dockerfile: `service` pushed as `<tag>`,
 * `migrate` as `<tag>-migrate`. Tags are immutable, so a deployed tag always means the same image;
 * images are scanned on push.
 */
export class ContainerRegistry extends Construct {
  readonly repositoryArn: string;
  readonly repositoryUrl: string;

  constructor(scope: Construct, id: string, props: ContainerRegistryProps) {
    super(scope, id);
    const repository = new EcrRepository(this, 'repository', {
      name: props.name,
      imageTagMutability: 'IMMUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: [{ encryptionType: 'AES256' }],
      forceDelete: props.forceDelete ?? false,
    });
    new EcrLifecyclePolicy(this, 'lifecycle', {
      repository: repository.name,
      policy: JSON.stringify({
        rules: [
          {
            rulePriority: 1,
            description: `Keep the newest ${props.keepImages ?? 50} images`,
            selection: {
              tagStatus: 'any',
              countType: 'imageCountMoreThan',
              countNumber: props.keepImages ?? 50,
            },
            action: { type: 'expire' },
          },
        ],
      }),
    });
    this.repositoryArn = repository.arn;
    this.repositoryUrl = repository.repositoryUrl;
  }

  /** The service image for `tag`. */
  serviceImage(tag: string): string {
    return `${this.repositoryUrl}:${tag}`;
  }

  /** The migration image (Dockerfile target `migrate`) for `tag`. */
  migrateImage(tag: string): string {
    return `${this.repositoryUrl}:${tag}${MIGRATE_TAG_SUFFIX}`;
  }
}
