import type { Processor } from "../registry";
import { sweepConnections } from "@/features/providers/server/sweep";

/** providers.sweep (every 5 minutes): one poll per connection per slot, and generation cost fills. */
export const providersSweep: Processor<"providers.sweep"> = async () => sweepConnections();
