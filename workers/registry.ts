import type { Job } from "bullmq";
import type { JobName, JobPayload } from "@/server/jobs/definitions";

export type Processor<N extends JobName> = (payload: JobPayload<N>, job: Job) => Promise<unknown>;
export type ProcessorMap = { [N in JobName]?: Processor<N> };

/**
 * Job name → processor. Each processor lives in processors/<name>.ts and only parses its
 * payload and calls a features/<domain>/server function. Add new ones here.
 */
export const PROCESSORS: ProcessorMap = {};
