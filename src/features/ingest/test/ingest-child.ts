/**
 * Child process for the kill -9 test: pushes batches through the push service (what the
 * route handler calls; importing the route itself would drag next-auth into plain Node)
 * as fast as it can and prints "ACK <batch>" only after the service resolved (a 202). The parent SIGKILLs it
 * mid-run and checks that every acknowledged event is in Postgres.
 * Usage: INGEST_TOKEN=… RUN_ID=… tsx src/features/ingest/test/ingest-child.ts
 */
import { ingestPushRequest } from "@/features/ingest/server/push";

const token = process.env.INGEST_TOKEN!;
const run = process.env.RUN_ID!;
const size = Number(process.env.BATCH_SIZE ?? 200);

async function main() {
  for (let b = 0; ; b++) {
    const events = Array.from({ length: size }, (_, i) => ({
      id: `${run}-${b}-${i}`,
      timestamp: new Date().toISOString(),
      provider: "openai",
      model: "gpt-4o-mini",
      input_tokens: 100,
      output_tokens: 5,
    }));
    const body = new Blob([JSON.stringify({ events })]).stream();
    const res = await ingestPushRequest({ authorization: `Bearer ${token}`, contentEncoding: null, contentLength: null, body });
    if (res.accepted !== size) {
      process.stderr.write(`unexpected result ${JSON.stringify(res)}\n`);
      process.exit(2);
    }
    process.stdout.write(`ACK ${b}\n`);
  }
}

void main();
