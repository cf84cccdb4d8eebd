-- Webhooks: receivers of an environment's change log. Each webhook keeps a cursor (the last
-- change it handled), and instances claim a webhook with FOR UPDATE SKIP LOCKED for a lease
-- (claimed_until), deliver the changes after its cursor in order, and log each delivery.
CREATE TYPE "WebhookFormat" AS ENUM ('json', 'slack');

CREATE TYPE "DeliveryStatus" AS ENUM ('pending', 'delivered', 'failed');

CREATE TABLE "webhooks" (
    "id" UUID NOT NULL,
    "environment_key" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "kinds" TEXT[],
    "format" "WebhookFormat" NOT NULL DEFAULT 'json',
    "secret" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "cursor_revision" INTEGER NOT NULL,
    "cursor_event_id" BIGINT NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMP(3),
    "claimed_until" TIMESTAMP(3),
    "claimed_by" UUID,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "webhooks_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "webhook_deliveries" (
    "id" UUID NOT NULL,
    "webhook_id" UUID NOT NULL,
    "audit_event_id" BIGINT NOT NULL,
    "revision" INTEGER NOT NULL,
    "action" TEXT NOT NULL,
    "status" "DeliveryStatus" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_status" INTEGER,
    "last_error" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_attempt_at" TIMESTAMP(3),
    "delivered_at" TIMESTAMP(3),

    CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "webhooks_environment_key_idx" ON "webhooks"("environment_key");

CREATE UNIQUE INDEX "webhook_deliveries_webhook_id_audit_event_id_key" ON "webhook_deliveries"("webhook_id", "audit_event_id");

CREATE INDEX "webhook_deliveries_webhook_id_revision_idx" ON "webhook_deliveries"("webhook_id", "revision");

ALTER TABLE "webhooks" ADD CONSTRAINT "webhooks_environment_key_fkey" FOREIGN KEY ("environment_key") REFERENCES "environments"("key") ON DELETE RESTRICT ON UPDATE CASCADE;

ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_webhook_id_fkey" FOREIGN KEY ("webhook_id") REFERENCES "webhooks"("id") ON DELETE CASCADE ON UPDATE CASCADE;
