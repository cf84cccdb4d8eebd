-- People: a web UI session may belong to a person signed in through the identity provider (their
-- subject, name, email and the roles their groups gave them) instead of an API token, and every
-- audit event names its actor as a person or a token.
ALTER TABLE "sessions" ALTER COLUMN "token_id" DROP NOT NULL,
    ADD COLUMN "person_subject" TEXT,
    ADD COLUMN "person_name" TEXT,
    ADD COLUMN "person_email" TEXT,
    ADD COLUMN "person_roles" JSONB,
    ADD CONSTRAINT "sessions_token_or_person" CHECK (("token_id" IS NULL) <> ("person_subject" IS NULL));

ALTER TABLE "token_changes" ALTER COLUMN "token_id" DROP NOT NULL;

ALTER TABLE "audit_events" ADD COLUMN "actor_kind" TEXT NOT NULL DEFAULT 'token',
    ADD COLUMN "actor_subject" TEXT,
    ADD COLUMN "actor_email" TEXT;
