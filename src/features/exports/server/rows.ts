import { streamEvents } from "@/features/usage/server/events";
import type { UsageScope } from "@/features/usage/server/range";
import { toUsageFilters, type ReportQuery } from "../schemas";
import type { RawRow } from "../columns";
import { checkRange } from "./aggregate";
import type { Labels } from "./labels";

/** Raw events of a report query, oldest first, page by page through the usage module's cursor. */
export async function* rawRows(scope: UsageScope, q: ReportQuery, labels: Labels): AsyncGenerator<RawRow> {
  const { from, to } = checkRange({ ...q, bucket: undefined }, scope.timeZone);
  const pages = streamEvents(scope, { range: { from: new Date(from).toISOString(), to: new Date(to).toISOString() }, filters: toUsageFilters(q), order: "asc" });
  for await (const page of pages) {
    for (const e of page) {
      yield {
        ...e,
        workspace: labels.label("workspace", e.workspaceId),
        project: labels.label("projectTag", e.projectTagId),
        member: labels.label("member", e.memberId),
        key: labels.label("key", e.providerKeyId),
      };
    }
  }
}
