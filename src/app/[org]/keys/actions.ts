"use server";

import { tenantAction } from "@/server/next/gate";
import { KeyAttributionInput } from "@/features/providers/schemas";
import { setKeyAttribution } from "@/features/providers/server/key-attribution";

export const setKeyAttributionAction = tenantAction("keys:write", KeyAttributionInput, (ctx, input) => setKeyAttribution(ctx, input));
