-- An approval may carry a time: the request waits as `scheduled` until then, and is applied (or
-- found stale, with the reason) by whichever instance claims it first.
ALTER TYPE "ChangeRequestState" ADD VALUE 'scheduled';

ALTER TABLE "change_requests" ADD COLUMN "apply_at" TIMESTAMP(3);
ALTER TABLE "change_requests" ADD COLUMN "reason" TEXT;

CREATE INDEX "change_requests_state_apply_at_idx" ON "change_requests"("state", "apply_at");

-- Who scheduled a change, as the record names people: kind, name, subject, email.
ALTER TABLE "scheduled_changes" ADD COLUMN "created_by_actor" JSONB;
