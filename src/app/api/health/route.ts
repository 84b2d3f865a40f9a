import { healthCheck } from "@/server/health";

export const dynamic = "force-dynamic";

/** Liveness (503 when PostgreSQL or Redis is down); `?strict=1` also fails on `degraded`. */
export async function GET(req: Request) {
  const h = await healthCheck();
  const strict = new URL(req.url).searchParams.get("strict") === "1";
  return Response.json(h, { status: h.ok && !(strict && h.degraded) ? 200 : 503 });
}
