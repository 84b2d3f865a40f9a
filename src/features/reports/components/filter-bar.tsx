import Link from "next/link";
import { labelOf, type Labels } from "@/features/usage/server/labels";
import { FILTER_PARAMS, withParams, type ReportParams } from "../report-params";

const NAMES: Record<(typeof FILTER_PARAMS)[number], string> = {
  ws: "Workspace",
  tag: "Project",
  provider: "Provider",
  model: "Model",
  member: "Member",
  key: "Key",
  service: "Service",
  language: "Language",
};
const DIM = { ws: "workspace", tag: "projectTag", provider: "provider", model: "model", member: "member", key: "key", service: "service", language: "language" } as const;

/** A GET form: submitting rewrites the URL, so every view is a link. */
export function FilterBar({
  params: p,
  base,
  labels,
  lockedWorkspace,
  dates,
  languages = [],
}: {
  params: ReportParams;
  base: string;
  labels: Labels;
  lockedWorkspace?: boolean;
  dates: { label: string };
  /** Languages seen in the range (values of the language dimension), offered as a filter. */
  languages?: string[];
}) {
  const active = FILTER_PARAMS.filter((k) => p[k] && !(lockedWorkspace && k === "ws"));
  return (
    <div className="space-y-2">
      <form method="get" action={base} className="flex flex-wrap items-end gap-2 text-sm" aria-label="Report filters">
        {active.map((k) => (
          <input key={k} type="hidden" name={k} value={p[k]} />
        ))}
        <label className="flex flex-col">
          <span className="text-xs text-gray-600">Range</span>
          <select name="range" defaultValue={p.range} className="rounded-md border border-gray-300 px-2 py-1">
            <option value="today">Today</option>
            <option value="7d">Last 7 days</option>
            <option value="30d">Last 30 days</option>
            <option value="90d">Last 90 days</option>
            <option value="mtd">Month to date</option>
            <option value="custom">Custom</option>
          </select>
        </label>
        <label className="flex flex-col">
          <span className="text-xs text-gray-600">From</span>
          <input type="date" name="from" defaultValue={p.from} className="rounded-md border border-gray-300 px-2 py-1" />
        </label>
        <label className="flex flex-col">
          <span className="text-xs text-gray-600">To</span>
          <input type="date" name="to" defaultValue={p.to} className="rounded-md border border-gray-300 px-2 py-1" />
        </label>
        {!p.provider && (
          <label className="flex flex-col">
            <span className="text-xs text-gray-600">Provider</span>
            <select name="provider" defaultValue="" className="rounded-md border border-gray-300 px-2 py-1">
              <option value="">All</option>
              <option value="openrouter">OpenRouter</option>
              <option value="openai">OpenAI</option>
            </select>
          </label>
        )}
        {!p.language && languages.length > 0 && (
          <label className="flex flex-col">
            <span className="text-xs text-gray-600">Language</span>
            <select name="language" defaultValue="" className="rounded-md border border-gray-300 px-2 py-1">
              <option value="">All</option>
              {languages.map((l) => (
                <option key={l} value={l}>
                  {labelOf(labels, "language", l)}
                </option>
              ))}
            </select>
          </label>
        )}
        <label className="flex items-center gap-1 pb-1">
          <input type="checkbox" name="compare" value="1" defaultChecked={p.compare === "1"} /> Compare with previous period
        </label>
        <button type="submit" className="rounded-md bg-blue-700 px-3 py-1.5 font-medium text-white hover:bg-blue-800">
          Apply
        </button>
      </form>
      <p className="text-xs text-gray-600">
        {dates.label} (org time zone).{" "}
        {active.map((k) => (
          <Link key={k} href={`${base}${withParams(p, { [k]: undefined })}`} className="mr-2 inline-block rounded-full bg-blue-50 px-2 py-0.5 text-blue-800 hover:bg-blue-100" aria-label={`Remove ${NAMES[k]} filter`}>
            {NAMES[k]}: {labelOf(labels, DIM[k], p[k]!)} ✕
          </Link>
        ))}
      </p>
    </div>
  );
}
