import { z } from "zod";
import type { PathSpec } from "@/server/openapi/build";
import { BudgetInput } from "@/features/budgets/schemas";
import { BudgetOut } from "@/features/budgets/openapi-schemas";

export const spec: PathSpec = {
  path: "/api/v1/orgs/{org}/budgets",
  methods: {
    get: { summary: "List budgets with current spend", tags: ["Budgets"], auth: "session", responses: { 200: { description: "Budgets", schema: z.object({ data: z.array(BudgetOut) }) } } },
    post: { summary: "Create a budget (admins)", tags: ["Budgets"], auth: "session", body: BudgetInput, responses: { 201: { description: "Created", schema: z.object({ data: BudgetOut }) } } },
  },
};
