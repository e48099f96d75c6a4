-- AlterTable
ALTER TABLE "access_requests" ADD COLUMN     "parameters" JSONB;
