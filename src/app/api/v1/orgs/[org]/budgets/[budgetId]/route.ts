import { withTenantRoute } from "@/server/next/gate";
import { badRequest } from "@/server/errors";
import { deleteBudget, getBudget, patchBudget } from "@/features/budgets/server/budgets";

type Params = { org: string; budgetId: string };

async function body(req: Request): Promise<Record<string, unknown>> {
  let v: unknown;
  try {
    v = await req.json();
  } catch {
    throw badRequest("Send a JSON object in the request body");
  }
  if (!v || typeof v !== "object" || Array.isArray(v)) throw badRequest("Send a JSON object in the request body");
  return v as Record<string, unknown>;
}

/** One budget: read (viewers), change any subset of fields or delete (admins). */
export const GET = withTenantRoute<Params>("budgets:read", async (_req, ctx, p) => ({ data: await getBudget(ctx, { budgetId: p.budgetId }) }));

export const PATCH = withTenantRoute<Params>("budgets:write", async (req, ctx, p) => ({ data: await patchBudget(ctx, p.budgetId, await body(req)) }));

export const DELETE = withTenantRoute<Params>("budgets:write", async (_req, ctx, p) => ({ data: await deleteBudget(ctx, { budgetId: p.budgetId }) }));
