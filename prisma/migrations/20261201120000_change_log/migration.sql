-- The change log: every flag or segment change records the environment revision it produced, so
-- "what changed since revision R" is one indexed query, and an instance that missed a message
-- (or whose peer died before sending one) catches up from here.
ALTER TABLE "audit_events" ADD COLUMN "revision" INTEGER;
ALTER TABLE "audit_events" ADD COLUMN "segment_key" TEXT;
CREATE INDEX "audit_events_environment_key_revision_idx" ON "audit_events"("environment_key", "revision");

-- Segments are held by reference: whether one is in use is a containment query on the rules.
CREATE INDEX "flags_rules_idx" ON "flags" USING GIN ("rules" jsonb_path_ops);
