"use server";

import { tenantAction } from "@/server/next/gate";
import { BudgetIdInput, BudgetInput, UpdateBudgetInput } from "@/features/budgets/schemas";
import { createBudget, deleteBudget, updateBudget } from "@/features/budgets/server/budgets";

export const createBudgetAction = tenantAction("budgets:write", BudgetInput, (ctx, input) => createBudget(ctx, input));

export const updateBudgetAction = tenantAction("budgets:write", UpdateBudgetInput, (ctx, input) => updateBudget(ctx, input));

export const deleteBudgetAction = tenantAction("budgets:write", BudgetIdInput, (ctx, input) => deleteBudget(ctx, input));
