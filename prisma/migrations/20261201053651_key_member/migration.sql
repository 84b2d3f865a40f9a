-- AlterTable
ALTER TABLE "provider_keys" ADD COLUMN     "memberUserId" TEXT;
