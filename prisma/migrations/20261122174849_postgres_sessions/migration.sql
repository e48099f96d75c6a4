-- CreateEnum
CREATE TYPE "AccessRequestKind" AS ENUM ('access', 'statement');

-- AlterTable
ALTER TABLE "access_requests" ADD COLUMN     "kind" "AccessRequestKind" NOT NULL DEFAULT 'access',
ADD COLUMN     "session_id" UUID,
ADD COLUMN     "statement" TEXT;

-- AlterTable
ALTER TABLE "sessions" ADD COLUMN     "event_count" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "events_head" TEXT;

-- CreateTable
CREATE TABLE "session_events" (
    "session_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "kind" TEXT NOT NULL,
    "statement" TEXT,
    "parameters" JSONB,
    "command_tag" TEXT,
    "row_count" BIGINT,
    "duration_ms" DOUBLE PRECISION,
    "outcome" TEXT NOT NULL,
    "details" JSONB NOT NULL DEFAULT '{}',
    "prev_hash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "session_events_pkey" PRIMARY KEY ("session_id","seq")
);

-- AddForeignKey
ALTER TABLE "session_events" ADD CONSTRAINT "session_events_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "sessions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Session recordings are evidence, like the audit log: rows are added, never changed. The
-- chain (prev_hash → hash, per session) lets GET /v1/sessions/:id/events/verify find edits
-- made by someone who disabled the triggers.
CREATE FUNCTION "session_events_append_only"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'session_events is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER "session_events_no_update_or_delete"
  BEFORE UPDATE OR DELETE ON "session_events"
  FOR EACH ROW EXECUTE FUNCTION "session_events_append_only"();

CREATE TRIGGER "session_events_no_truncate"
  BEFORE TRUNCATE ON "session_events"
  FOR EACH STATEMENT EXECUTE FUNCTION "session_events_append_only"();

REVOKE UPDATE, DELETE, TRUNCATE ON "session_events" FROM PUBLIC;
