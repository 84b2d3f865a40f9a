import type { Export, Prisma } from "@/generated/prisma/client";
import { prisma } from "@/server/db";
import { notFound, AppError } from "@/server/errors";
import { requirePermission, type TenantContext } from "@/server/tenant";
import { enqueue } from "@/server/jobs/queue";
import { LEASE_MS } from "./run";
import { writeAudit } from "@/features/audit/server/audit";
import { ExportIdInput, ExportInput } from "../schemas";
import { CONTENT_TYPES, isoInTimeZone, type ExportFormat } from "../format";
import { checkRange } from "./aggregate";

/**
 * Exports: a row first (status queued), then the `exports.run` job with jobId from the row,
 * so the same export is never queued twice. Files are rows of export_chunks in PostgreSQL:
 * the web process and every worker see them without a shared disk, tests and the demo need
 * nothing else, and expiry is one DELETE (chunks cascade). They expire 7 days after creation.
 */
export const EXPORT_TTL_MS = 7 * 86_400_000;

export function exportView(e: Export) {
  return {
    id: e.id,
    shape: e.shape,
    format: e.format,
    query: e.query,
    status: e.status,
    progress: e.progress,
    rows: Number(e.rowsWritten),
    bytes: Number(e.bytes),
    error: e.error,
    createdAt: e.createdAt.toISOString(),
    finishedAt: e.finishedAt?.toISOString() ?? null,
    expiresAt: e.expiresAt.toISOString(),
  };
}
export type ExportView = ReturnType<typeof exportView>;

export async function createExport(ctx: TenantContext & { tokenId?: string }, raw: unknown, now = new Date()) {
  requirePermission(ctx, "reports:read");
  const input = ExportInput.parse(raw);
  checkRange(input.shape === "raw" ? { ...input, bucket: undefined } : input, ctx.timeZone);
  const { shape, format, ...query } = input;
  const row = await prisma.export.create({
    data: {
      orgId: ctx.orgId,
      shape,
      format,
      query: query as Prisma.InputJsonValue,
      createdById: ctx.userId,
      createdByTokenId: ctx.tokenId ?? null,
      expiresAt: new Date(now.getTime() + EXPORT_TTL_MS),
    },
  });
  await writeAudit(ctx, { action: "export.created", targetType: "export", targetId: row.id, after: { shape, format, query } });
  // The row is the durable request: if the queue can't take the job now, the sweep
  // (requeueLostExports) queues it within minutes, so the answer is still 202.
  await enqueue("exports.run", { exportId: row.id }, { jobId: `export-${row.id}` }).catch((e: Error) =>
    console.error(`[exports] export ${row.id} recorded, not queued yet (${e.message}): the sweep will queue it`),
  );
  return exportView(row);
}

export async function listExports(ctx: TenantContext, now = new Date()) {
  requirePermission(ctx, "reports:read");
  const rows = await prisma.export.findMany({ where: { orgId: ctx.orgId, expiresAt: { gt: now } }, orderBy: { createdAt: "desc" }, take: 50 });
  return rows.map(exportView);
}

async function findExport(ctx: TenantContext, raw: unknown, now: Date) {
  requirePermission(ctx, "reports:read");
  const { exportId } = ExportIdInput.parse(raw);
  const row = await prisma.export.findFirst({ where: { id: exportId, orgId: ctx.orgId, expiresAt: { gt: now } } });
  if (!row) throw notFound("Export not found (or expired)");
  return row;
}

export async function getExport(ctx: TenantContext, raw: unknown, now = new Date()) {
  return exportView(await findExport(ctx, raw, now));
}

/** The file as a stream of its chunks, one chunk in memory at a time. */
export async function openExportDownload(ctx: TenantContext, raw: unknown, now = new Date()) {
  const row = await findExport(ctx, raw, now);
  if (row.status !== "done") throw new AppError(409, "not_ready", `The export is ${row.status}; download it when it is done`);
  const format = row.format as ExportFormat;
  let seq = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const chunk = await prisma.exportChunk.findUnique({ where: { exportId_seq: { exportId: row.id, seq } } });
      if (!chunk) return controller.close();
      seq++;
      controller.enqueue(new Uint8Array(chunk.data));
    },
  });
  return { body, contentType: CONTENT_TYPES[format], filename: `tollgate-${row.shape}-${row.createdAt.toISOString().slice(0, 10)}-${row.id}.${format}`, bytes: Number(row.bytes) };
}

/** exports.expire (with requeueLostExports): files are kept 7 days. */
/** A queued export not claimed after this long is taken for one that never reached the queue. */
const QUEUED_GRACE_MS = 5 * 60_000;

/**
 * Exports whose run was lost go back on the queue: running with a heartbeat older than the lease
 * (the worker was killed; BullMQ's own retry came while the lease was live and ended without
 * running it), or queued for minutes (the enqueue failed after the row was written). A duplicate
 * job is harmless: runExport claims the row once. The job id changes every 10 minutes so a job
 * kept in Redis as completed does not swallow the new one.
 */
export async function requeueLostExports(now = new Date()): Promise<number> {
  const rows = await prisma.export.findMany({
    where: {
      expiresAt: { gt: now },
      OR: [
        { status: "running", startedAt: { lt: new Date(now.getTime() - LEASE_MS) } },
        { status: "queued", createdAt: { lt: new Date(now.getTime() - QUEUED_GRACE_MS) } },
      ],
    },
    select: { id: true },
    orderBy: { createdAt: "asc" },
    take: 100,
  });
  const window = Math.floor(now.getTime() / (10 * 60_000));
  for (const r of rows) await enqueue("exports.run", { exportId: r.id }, { jobId: `export-${r.id}-lost-${window}` });
  return rows.length;
}

export async function expireExports(now = new Date()): Promise<number> {
  const r = await prisma.export.deleteMany({ where: { expiresAt: { lte: now } } });
  return r.count;
}

/** The export form's default range: the last 30 local days through tomorrow. */
export function defaultExportRange(tz: string, now = new Date()): { from: string; to: string } {
  return { from: isoInTimeZone(new Date(now.getTime() - 30 * 86_400_000), tz).slice(0, 10), to: isoInTimeZone(new Date(now.getTime() + 86_400_000), tz).slice(0, 10) };
}
