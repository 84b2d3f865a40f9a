import type { Processor } from "../registry";
import { creditsSweep } from "@/features/alerts/server/credits";

/** alerts.credits-sweep: low-credit alerts from OpenRouter credit snapshots (once per day). */
export const alertsCreditsSweep: Processor<"alerts.credits-sweep"> = async () => ({ claimed: (await creditsSweep()).length });
