-- Scheduled changes: a flag change applied once at a set time, conditionally on the flag's
-- version when it was scheduled. Instances find due ones by (state, apply_at) and claim each
-- with FOR UPDATE SKIP LOCKED, for a lease (claimed_until) that lapses if the claimant dies.
CREATE TYPE "ScheduleState" AS ENUM ('pending', 'applied', 'skipped', 'cancelled');

CREATE TABLE "scheduled_changes" (
    "id" UUID NOT NULL,
    "environment_key" TEXT NOT NULL,
    "flag_key" TEXT NOT NULL,
    "change" JSON NOT NULL,
    "apply_at" TIMESTAMP(3) NOT NULL,
    "state" "ScheduleState" NOT NULL DEFAULT 'pending',
    "flag_version" INTEGER NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "applied_at" TIMESTAMP(3),
    "resolved_at" TIMESTAMP(3),
    "reason" TEXT,
    "claimed_until" TIMESTAMP(3),

    CONSTRAINT "scheduled_changes_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "scheduled_changes_state_apply_at_idx" ON "scheduled_changes"("state", "apply_at");

CREATE INDEX "scheduled_changes_environment_key_flag_key_apply_at_idx" ON "scheduled_changes"("environment_key", "flag_key", "apply_at");

ALTER TABLE "scheduled_changes" ADD CONSTRAINT "scheduled_changes_environment_key_fkey" FOREIGN KEY ("environment_key") REFERENCES "environments"("key") ON DELETE RESTRICT ON UPDATE CASCADE;
