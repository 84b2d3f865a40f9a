"use server";

import { tenantAction } from "@/server/next/gate";
import { KeyAttributionInput, KeyMemberInput } from "@/features/providers/schemas";
import { setKeyAttribution, setKeyMember } from "@/features/providers/server/key-attribution";

export const setKeyAttributionAction = tenantAction("keys:write", KeyAttributionInput, (ctx, input) => setKeyAttribution(ctx, input));
export const setKeyMemberAction = tenantAction("keys:write", KeyMemberInput, (ctx, input) => setKeyMember(ctx, input));
