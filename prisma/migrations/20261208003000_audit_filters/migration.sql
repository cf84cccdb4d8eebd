-- The audit log's filters (flag, who, action, time), each answered newest first from an index.
CREATE INDEX "audit_events_flag_key_id_idx" ON "audit_events"("flag_key", "id");
CREATE INDEX "audit_events_actor_id_idx" ON "audit_events"("actor", "id");
CREATE INDEX "audit_events_actor_email_id_idx" ON "audit_events"("actor_email", "id");
CREATE INDEX "audit_events_actor_subject_id_idx" ON "audit_events"("actor_subject", "id");
CREATE INDEX "audit_events_action_id_idx" ON "audit_events"("action", "id");
CREATE INDEX "audit_events_created_at_id_idx" ON "audit_events"("created_at", "id");
