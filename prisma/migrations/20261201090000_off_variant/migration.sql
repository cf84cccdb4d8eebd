-- What a flag serves when it is off (offVariant) beside what it serves when it is on and no rule
-- matches (defaultVariant): without either, the caller's own code default applies.
ALTER TABLE "flags" ADD COLUMN "off_variant" TEXT;

-- default_value is now derived: the value of default_variant, or null when there is none. It is
-- still written, so instances of the previous release keep serving during a rolling deployment.
ALTER TABLE "flags" ALTER COLUMN "default_value" DROP NOT NULL;

-- Until now a flag served its default value both when off and when no rule matched, under the
-- variant name 'default' when that value had no variant name. That value becomes a variant of its
-- own, named 'default' where that name is free (or already holds the same value), and both the
-- default and the off variant name it: every flag keeps serving exactly what it served.
UPDATE "flags" AS f
SET "variants" = f."variants" || jsonb_build_object(n.name, f."default_value"),
    "default_variant" = n.name
FROM (
  SELECT "id",
    CASE
      WHEN NOT ("variants" ? 'default') OR "variants" -> 'default' = "default_value" THEN 'default'
      WHEN NOT ("variants" ? 'default-value') OR "variants" -> 'default-value' = "default_value" THEN 'default-value'
      ELSE 'default-' || replace("id"::text, '-', '')
    END AS name
  FROM "flags"
  WHERE "default_variant" IS NULL
) AS n
WHERE f."id" = n."id";

UPDATE "flags" SET "off_variant" = "default_variant";
