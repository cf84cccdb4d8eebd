-- The token change log: a row per token minted, revoked or rotated and per session ended, written
-- under one lock so revisions appear in commit order. Instances poll it once per catch-up
-- interval for the changes whose message they missed.
CREATE TABLE "token_changes" (
    "revision" SERIAL NOT NULL,
    "token_id" UUID NOT NULL,
    "session_id" UUID,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "token_changes_pkey" PRIMARY KEY ("revision")
);
