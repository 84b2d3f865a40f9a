"use server";

import { tenantAction } from "@/server/next/gate";
import { ResumeKeyInput } from "@/features/budgets/schemas";
import { resumeKeyByHand } from "@/features/enforcement/server/release";

export const resumeKeyAction = tenantAction("keys:write", ResumeKeyInput, (ctx, input) => resumeKeyByHand(ctx, input));
