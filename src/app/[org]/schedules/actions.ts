"use server";

import { tenantAction } from "@/server/next/gate";
import { ScheduleIdInput, ScheduleInput, ScheduleUpdateInput } from "@/features/schedules/schemas";
import { createSchedule, deleteSchedule, updateSchedule } from "@/features/schedules/server/schedules";
import { sendNow } from "@/features/schedules/server/runs";

export const createScheduleAction = tenantAction("schedules:write", ScheduleInput, (ctx, input) => createSchedule(ctx, input));
export const updateScheduleAction = tenantAction("schedules:write", ScheduleUpdateInput, (ctx, input) => updateSchedule(ctx, input));
export const deleteScheduleAction = tenantAction("schedules:write", ScheduleIdInput, (ctx, input) => deleteSchedule(ctx, input));
export const sendNowAction = tenantAction("schedules:write", ScheduleIdInput, (ctx, input) => sendNow(ctx, input));
