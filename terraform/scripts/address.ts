// Prints the Terraform address of a resource in a synthesized stack, for `terraform apply -target`:
//   node terraform/scripts/address.ts <staging|production> <resource type> <logical id prefix>
// e.g. `... staging aws_ecs_task_definition jobs_migrate` -> aws_ecs_task_definition.jobs_migrate_10B0C5B9
import { readFileSync } from 'node:fs';

const [environment, type, prefix] = process.argv.slice(2);
if (!environment || !type || !prefix) {
  console.error('usage: node address.ts <environment> <resource type> <logical id prefix>');
  process.exit(2);
}
const file = new URL(`../cdktf.out/stacks/${environment}/cdk.tf.json`, import.meta.url);
const stack = JSON.parse(readFileSync(file, 'utf8')) as {
  resource?: Record<string, Record<string, unknown>>;
};
const ids = Object.keys(stack.resource?.[type] ?? {}).filter((id) => id.startsWith(prefix));
if (ids.length !== 1) {
  console.error(
    `expected one ${type} named ${prefix}* in ${environment}, found ${ids.length} (run make synth)`,
  );
  process.exit(1);
}
console.log(`${type}.${ids[0]}`);
