import { withTenantRoute, jsonResponse } from "@/server/next/gate";
import { badRequest } from "@/server/errors";
import { createBudget, listBudgets } from "@/features/budgets/server/budgets";

async function body(req: Request): Promise<unknown> {
  try {
    return await req.json();
  } catch {
    throw badRequest("Send a JSON object in the request body");
  }
}

/** GET: the org's budgets with their current spend. POST: create one (admins). */
export const GET = withTenantRoute("budgets:read", async (_req, ctx) => ({ data: await listBudgets(ctx) }));

export const POST = withTenantRoute("budgets:write", async (req, ctx) => jsonResponse({ data: await createBudget(ctx, await body(req)) }, { status: 201 }));
