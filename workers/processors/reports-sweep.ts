import type { Processor } from "../registry";
import { sweepSchedules } from "@/features/schedules/server/sweep";

/** reports.sweep: claims the due period of every schedule (exactly once) and re-queues lost deliveries. */
export const reportsSweep: Processor<"reports.sweep"> = async () => sweepSchedules();
