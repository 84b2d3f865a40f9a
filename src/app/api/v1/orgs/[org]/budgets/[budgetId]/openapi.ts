import { z } from "zod";
import type { PathSpec } from "@/server/openapi/build";
import { BudgetPatch } from "@/features/budgets/schemas";
import { BudgetOut } from "@/features/budgets/openapi-schemas";

export const spec: PathSpec = {
  path: "/api/v1/orgs/{org}/budgets/{budgetId}",
  methods: {
    get: { summary: "One budget", tags: ["Budgets"], auth: "session", responses: { 200: { description: "The budget", schema: z.object({ data: BudgetOut }) } } },
    patch: { summary: "Change any subset of a budget's fields (admins)", tags: ["Budgets"], auth: "session", body: BudgetPatch, responses: { 200: { description: "Updated", schema: z.object({ data: BudgetOut }) } } },
    delete: { summary: "Delete a budget (admins)", tags: ["Budgets"], auth: "session", responses: { 200: { description: "Deleted", schema: z.object({ data: z.object({ id: z.string() }).loose() }) } } },
  },
};
