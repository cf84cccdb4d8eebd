-- jsonb keeps an object's keys in an order of its own (shorter keys first), so variants written
-- as zebra, apple, kiwi came back as kiwi, apple, zebra. json keeps the text as written, and with
-- it the order the variants were given in. Existing rows keep their content, in the order jsonb
-- gave them.
ALTER TABLE "flags"
  ALTER COLUMN "variants" DROP DEFAULT,
  ALTER COLUMN "variants" SET DATA TYPE JSON USING "variants"::json,
  ALTER COLUMN "variants" SET DEFAULT '{}';

-- The audit trail shows a flag's variants before and after a change in the same order.
ALTER TABLE "audit_events"
  ALTER COLUMN "before" SET DATA TYPE JSON USING "before"::json,
  ALTER COLUMN "after" SET DATA TYPE JSON USING "after"::json;
