-- AlterTable
ALTER TABLE "flags" ADD COLUMN     "default_variant" TEXT;

-- CreateTable
CREATE TABLE "segments" (
    "id" UUID NOT NULL,
    "environment_key" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "conditions" JSONB NOT NULL DEFAULT '[]',
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "segments_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "segments_environment_key_key_key" ON "segments"("environment_key", "key");

-- AddForeignKey
ALTER TABLE "segments" ADD CONSTRAINT "segments_environment_key_fkey" FOREIGN KEY ("environment_key") REFERENCES "environments"("key") ON DELETE RESTRICT ON UPDATE CASCADE;
