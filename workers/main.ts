import { prisma, pool } from "@/server/db";
import { favourFlatHeap } from "@/server/heap";
import { startWorkers } from "./run";

favourFlatHeap();

// A stray rejected promise must not end the process that runs every sweep and pause (Node
// exits on an unhandled rejection by default): log it loudly and keep working.
process.on("unhandledRejection", (reason) => console.error("[worker] unhandled rejection (kept running):", reason));

const running = await startWorkers();

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`[worker] ${signal}: finishing active jobs`);
  await running.stop();
  await prisma.$disconnect();
  await pool.end();
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
