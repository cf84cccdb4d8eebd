-- CreateEnum
CREATE TYPE "FlagType" AS ENUM ('boolean', 'string', 'number', 'json');

-- CreateEnum
CREATE TYPE "TokenScope" AS ENUM ('read', 'admin');

-- CreateTable
CREATE TABLE "environments" (
    "key" TEXT NOT NULL,
    "revision" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "environments_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "flags" (
    "id" UUID NOT NULL,
    "environment_key" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT false,
    "description" TEXT NOT NULL DEFAULT '',
    "type" "FlagType" NOT NULL,
    "default_value" JSONB NOT NULL,
    "variants" JSONB NOT NULL DEFAULT '{}',
    "rules" JSONB NOT NULL DEFAULT '[]',
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,
    "archived_at" TIMESTAMP(3),

    CONSTRAINT "flags_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_events" (
    "id" BIGSERIAL NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "environment_key" TEXT,
    "flag_key" TEXT,
    "before" JSONB,
    "after" JSONB,
    "version" INTEGER,

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_tokens" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "secret_hash" TEXT NOT NULL,
    "scope" "TokenScope" NOT NULL,
    "environment_key" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMP(3),
    "revoked_at" TIMESTAMP(3),

    CONSTRAINT "api_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "flags_environment_key_key_key" ON "flags"("environment_key", "key");

-- CreateIndex
CREATE INDEX "audit_events_environment_key_flag_key_id_idx" ON "audit_events"("environment_key", "flag_key", "id");

-- CreateIndex
CREATE UNIQUE INDEX "api_tokens_secret_hash_key" ON "api_tokens"("secret_hash");

-- CreateIndex
CREATE INDEX "api_tokens_name_idx" ON "api_tokens"("name");

-- AddForeignKey
ALTER TABLE "flags" ADD CONSTRAINT "flags_environment_key_fkey" FOREIGN KEY ("environment_key") REFERENCES "environments"("key") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_environment_key_fkey" FOREIGN KEY ("environment_key") REFERENCES "environments"("key") ON DELETE RESTRICT ON UPDATE CASCADE;


-- Seed the environments every installation starts with.
INSERT INTO "environments" ("key") VALUES ('production'), ('staging'), ('development');
