-- AlterTable
ALTER TABLE "workspaces" ADD COLUMN     "purgedBefore" TIMESTAMP(3);
