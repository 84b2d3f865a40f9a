"use server";

import { tenantAction } from "@/server/next/gate";
import { PauseKeyInput, ResumeKeyInput } from "@/features/budgets/schemas";
import { pauseKeyByHand, resumeKeyByHand } from "@/features/enforcement/server/release";

export const resumeKeyAction = tenantAction("keys:write", ResumeKeyInput, (ctx, input) => resumeKeyByHand(ctx, input));
export const pauseKeyAction = tenantAction("keys:write", PauseKeyInput, (ctx, input) => pauseKeyByHand(ctx, input));
