#!/usr/bin/env bash
# Runs one of Flagstone's one-off ECS tasks and waits for it: `migrate` (prisma migrate deploy) or
# `db-bootstrap` (creates the application's PostgreSQL role). Exits with the container's exit code.
#   terraform/scripts/run-task.sh <staging|production> <migrate|db-bootstrap>
# Needs terraform (the stack applied, outputs readable) and the AWS CLI v2 with credentials.
set -euo pipefail

env_name=${1:-}
task=${2:-}
case "$env_name" in staging | production) ;; *) echo "usage: $0 <staging|production> <migrate|db-bootstrap>" >&2; exit 2 ;; esac
case "$task" in migrate | db-bootstrap) ;; *) echo "usage: $0 <staging|production> <migrate|db-bootstrap>" >&2; exit 2 ;; esac

here=$(cd "$(dirname "$0")/.." && pwd)
stack="$here/cdktf.out/stacks/$env_name"
terraform=${TERRAFORM:-terraform}
tf_output() { "$terraform" -chdir="$stack" output "$@"; }

input=$(tf_output -json "${task//-/_}_run_task")
cluster=$(tf_output -raw cluster_name)
log_group=$(tf_output -raw log_group_name)

echo "Starting $task in $cluster"
task_arn=$(aws ecs run-task --cli-input-json "$input" --started-by "run-task.sh" \
  --query 'tasks[0].taskArn' --output text)
if [ -z "$task_arn" ] || [ "$task_arn" = "None" ]; then
  echo "ECS did not start the task (see the failures above; is the image <tag>-migrate pushed?)" >&2
  exit 1
fi
echo "Task $task_arn"

# `aws ecs wait tasks-stopped` gives up after 10 minutes; migrations may take longer.
until aws ecs wait tasks-stopped --cluster "$cluster" --tasks "$task_arn" 2>/dev/null; do
  echo "still running..."
done

read -r exit_code reason < <(aws ecs describe-tasks --cluster "$cluster" --tasks "$task_arn" \
  --query 'tasks[0].[containers[0].exitCode, stoppedReason]' --output text)
task_id=${task_arn##*/}
echo "--- logs ($log_group, $task/$task/$task_id)"
aws logs tail "$log_group" --log-stream-name-prefix "$task/$task/$task_id" --since 1d || true
echo "--- $task stopped: exit code $exit_code ($reason)"
[ "$exit_code" = "0" ]
