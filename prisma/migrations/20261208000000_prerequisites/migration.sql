-- Prerequisites: a flag may require other flags of its environment to be on and serving one of
-- the variants it names. Which flags require a flag is a containment query on this column.
ALTER TABLE "flags" ADD COLUMN "prerequisites" JSONB NOT NULL DEFAULT '[]';

CREATE INDEX "flags_prerequisites_idx" ON "flags" USING GIN ("prerequisites" jsonb_path_ops);
