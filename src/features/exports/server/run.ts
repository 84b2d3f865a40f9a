import { prisma } from "@/server/db";
import { systemContext } from "@/server/tenant";
import { ReportQuery } from "../schemas";
import { aggregatedColumns } from "../columns";
import { encodeRows, type ExportFormat } from "../format";
import { groupDims } from "../schemas";
import { aggregatedRows, checkRange } from "./aggregate";
import { rawExportChunks } from "./rows";
import { loadLabels } from "./labels";

/**
 * exports.run: writes one export's file as export_chunks rows of ~1 MiB, streaming rows from
 * the usage module, so memory stays at one chunk whatever the size.
 *
 * Safe to run twice: the row is claimed (queued → running) by a conditional UPDATE only one
 * worker wins; a running export whose heartbeat (`startedAt`, renewed per chunk) is older than
 * LEASE_MS belongs to a crashed worker and is claimed again from scratch (its chunks deleted).
 */
const CHUNK_BYTES = 1 << 20;
export const LEASE_MS = 5 * 60_000;

export async function runExport(exportId: string): Promise<{ status: string; rows: number } | null> {
  const now = new Date();
  const claimed = await prisma.export.updateMany({
    where: { id: exportId, OR: [{ status: "queued" }, { status: "running", startedAt: { lt: new Date(now.getTime() - LEASE_MS) } }] },
    data: { status: "running", startedAt: now, progress: 0, rowsWritten: 0, bytes: 0, error: null },
  });
  if (claimed.count === 0) return null;
  const row = await prisma.export.findUniqueOrThrow({ where: { id: exportId } });
  await prisma.exportChunk.deleteMany({ where: { exportId } });
  let rowsWritten = 0;
  try {
    const ctx = await systemContext(row.orgId, "export");
    const q = ReportQuery.parse(row.query);
    const { from, to } = checkRange(row.shape === "raw" ? { ...q, bucket: undefined } : q, ctx.timeZone);
    const labels = await loadLabels(row.orgId);
    let at = from;
    const counter = { n: 0 };
    const progress = () => Math.max(0, Math.min(99, Math.floor(((at - from) / (to - from)) * 100)));
    const chunks =
      row.shape === "raw"
        ? rawExportChunks(ctx, q, labels, row.format as ExportFormat, (n, lastMs) => {
            counter.n = n;
            at = lastMs;
          })
        : encodeRows(
            row.format as ExportFormat,
            aggregatedColumns(groupDims(q), Boolean(q.bucket)),
            tap(counter, aggregatedRows(ctx, q, labels), (r) => (at = r.pos.t > 0 ? r.pos.t : at), (r) => r.row),
            ctx.timeZone,
          );
    let seq = 0;
    let bytes = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async () => {
      if (!pendingBytes) return;
      const data = Buffer.concat(pending);
      await prisma.exportChunk.create({ data: { exportId, seq: seq++, data } });
      bytes += data.length;
      pending = [];
      pendingBytes = 0;
      await prisma.export.update({ where: { id: exportId }, data: { rowsWritten, bytes, progress: progress(), startedAt: new Date() } });
    };
    for await (const text of chunks) {
      const buf = Buffer.from(text, "utf8");
      pending.push(buf);
      pendingBytes += buf.length;
      rowsWritten = counter.n;
      if (pendingBytes >= CHUNK_BYTES) await flush();
    }
    rowsWritten = counter.n;
    await flush();
    await prisma.export.update({ where: { id: exportId }, data: { status: "done", progress: 100, rowsWritten, bytes, finishedAt: new Date() } });
    return { status: "done", rows: rowsWritten };
  } catch (e) {
    await prisma.export.update({ where: { id: exportId }, data: { status: "failed", error: (e as Error).message.slice(0, 500), finishedAt: new Date() } });
    return { status: "failed", rows: rowsWritten };
  }
}

/** Passes rows through, noting each one (for progress) and counting them. */
async function* tap<T, R = T>(counter: { n: number }, it: AsyncIterable<T>, note: (x: T) => void, map: (x: T) => R = (x) => x as unknown as R): AsyncGenerator<R> {
  for await (const x of it) {
    note(x);
    counter.n++;
    yield map(x);
  }
}
