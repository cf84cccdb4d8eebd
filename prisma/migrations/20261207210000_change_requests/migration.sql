-- Protected environments: there, a change to a flag or segment is proposed as a change request
-- and applied only when another person approves it, if everything it was made against is unchanged.
ALTER TABLE "environments" ADD COLUMN "protected" BOOLEAN NOT NULL DEFAULT false;

CREATE TYPE "ChangeRequestState" AS ENUM ('open', 'approved', 'rejected', 'stale');

CREATE TABLE "change_requests" (
    "id" UUID NOT NULL,
    "environment_key" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "change" JSON,
    "before" JSON,
    "after" JSON,
    "base_versions" JSON NOT NULL,
    "state" "ChangeRequestState" NOT NULL DEFAULT 'open',
    "proposed_by" JSONB NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decided_by" JSONB,
    "decided_at" TIMESTAMP(3),
    "comment" TEXT,

    CONSTRAINT "change_requests_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "change_requests_environment_key_state_created_at_idx" ON "change_requests"("environment_key", "state", "created_at");

ALTER TABLE "change_requests" ADD CONSTRAINT "change_requests_environment_key_fkey" FOREIGN KEY ("environment_key") REFERENCES "environments"("key") ON DELETE RESTRICT ON UPDATE CASCADE;
