-- Usage: evaluations counted by every instance and flushed about once a minute. One row per
-- environment, flag, variant and hour (the counts of every instance added into it), and one row
-- per flag with when it was last evaluated and the one variant it has served since when (for
-- staleness). Keyed by the flag's key, as the audit events are: a flag's key never changes.
CREATE TABLE "flag_usage" (
    "environment_key" TEXT NOT NULL,
    "flag_key" TEXT NOT NULL,
    "bucket" TIMESTAMP(3) NOT NULL,
    "variant" TEXT NOT NULL,
    "count" BIGINT NOT NULL,

    CONSTRAINT "flag_usage_pkey" PRIMARY KEY ("environment_key", "flag_key", "bucket", "variant")
);

-- Hours past the retention are deleted by bucket.
CREATE INDEX "flag_usage_bucket_idx" ON "flag_usage"("bucket");

CREATE TABLE "flag_activity" (
    "environment_key" TEXT NOT NULL,
    "flag_key" TEXT NOT NULL,
    "last_evaluated_at" TIMESTAMP(3) NOT NULL,
    "only_variant" TEXT,
    "only_variant_since" TIMESTAMP(3),

    CONSTRAINT "flag_activity_pkey" PRIMARY KEY ("environment_key", "flag_key")
);
