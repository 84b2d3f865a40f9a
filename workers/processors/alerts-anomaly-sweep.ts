import type { Processor } from "../registry";
import { anomalySweep } from "@/features/alerts/server/anomaly";

/** alerts.anomaly-sweep (hourly): spend spikes per member and key in the last complete hour. */
export const alertsAnomalySweep: Processor<"alerts.anomaly-sweep"> = async () => ({ spikes: (await anomalySweep()).length });
