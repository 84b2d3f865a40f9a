import { gunzipSync } from "node:zlib";
import { AppError, badRequest } from "@/server/errors";

export const MAX_BODY_BYTES = 1024 * 1024;

const tooLarge = (limit: number) =>
  new AppError(
    413,
    "payload_too_large",
    `Request body is larger than ${formatBytes(limit)} (measured after gzip decompression). Split it into smaller batches.`,
  );

/**
 * Reads a request body with a hard size cap (never buffers more than `maxBytes`), and
 * gunzips it when `Content-Encoding: gzip` (the decompressed size is capped too, so a
 * small gzip bomb can't blow up memory).
 */
export async function readLimitedBody(
  stream: ReadableStream<Uint8Array> | null,
  headers: { contentLength: string | null; contentEncoding: string | null },
  maxBytes = MAX_BODY_BYTES,
): Promise<Buffer> {
  const encoding = (headers.contentEncoding ?? "identity").trim().toLowerCase();
  if (encoding !== "identity" && encoding !== "gzip" && encoding !== "x-gzip" && encoding !== "") {
    throw new AppError(415, "unsupported_encoding", `Content-Encoding "${encoding}" is not supported; send identity or gzip`);
  }
  const declared = Number(headers.contentLength);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (stream) {
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => {});
        throw tooLarge(maxBytes);
      }
      chunks.push(value);
    }
  }
  const raw = Buffer.concat(chunks, total);
  if (encoding === "identity" || encoding === "") return raw;
  try {
    return gunzipSync(raw, { maxOutputLength: maxBytes });
  } catch (e) {
    if ((e as { code?: string }).code === "ERR_BUFFER_TOO_LARGE" || e instanceof RangeError) throw tooLarge(maxBytes);
    throw badRequest("Body says Content-Encoding: gzip but is not valid gzip data");
  }
}

function formatBytes(n: number): string {
  return n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : `${n} bytes`;
}
