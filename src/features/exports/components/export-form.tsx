"use client";

import { useEffect, useState, type FormEvent } from "react";
import { useRouter } from "next/navigation";
import { Button } from "@/components/ui/button";
import { Field, FormError, SelectField } from "@/components/ui/field";
import { useTenantForm } from "@/components/use-tenant-action";
import type { ActionResult } from "@/server/next/gate";
import { ExportInput, GROUP_BY, type ExportFormInput } from "../schemas";

/** Starts an export (it runs in the background; the list below shows progress). */
export function ExportForm({ org, defaultFrom, defaultTo, action }: { org: string; defaultFrom: string; defaultTo: string; action: (org: string, input: ExportFormInput) => Promise<ActionResult<unknown>> }) {
  const { submit, pending, errors, error } = useTenantForm(action, org);
  const [shape, setShape] = useState("aggregated");
  const [groups, setGroups] = useState<string[]>(["model"]);

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const input = {
      shape,
      format: String(f.get("format")),
      from: String(f.get("from")),
      to: String(f.get("to")),
      ...(shape === "aggregated" ? { bucket: String(f.get("bucket")) || undefined, group_by: groups } : {}),
    } as ExportFormInput;
    submit(ExportInput, input);
  }

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-4" aria-label="New export">
      <FormError message={error} />
      <div className="grid gap-4 sm:grid-cols-3">
        <SelectField label="Shape" name="shape" value={shape} onChange={(e) => setShape(e.target.value)} error={errors.shape} options={[{ value: "aggregated", label: "Aggregated (bucket × dimensions)" }, { value: "raw", label: "Raw events (within retention)" }]} />
        <SelectField label="Format" name="format" defaultValue="csv" error={errors.format} options={[{ value: "csv", label: "CSV" }, { value: "json", label: "JSON" }, { value: "ndjson", label: "NDJSON" }]} />
        {shape === "aggregated" ? (
          <SelectField label="Bucket" name="bucket" defaultValue="day" error={errors.bucket} options={[{ value: "", label: "None (totals)" }, ...["hour", "day", "week", "month"].map((b) => ({ value: b, label: b }))]} />
        ) : (
          <div />
        )}
        <Field label="From (inclusive)" name="from" type="date" defaultValue={defaultFrom} error={errors.from} />
        <Field label="To (exclusive)" name="to" type="date" defaultValue={defaultTo} error={errors.to} />
      </div>
      {shape === "aggregated" ? (
        <fieldset className="space-y-1">
          <legend className="text-sm font-medium text-gray-700">Group by</legend>
          <div className="flex flex-wrap gap-3 text-sm">
            {GROUP_BY.map((g) => (
              <label key={g} className="flex items-center gap-1">
                <input type="checkbox" checked={groups.includes(g)} onChange={(e) => setGroups((cur) => (e.target.checked ? [...cur, g] : cur.filter((x) => x !== g)))} />
                {g}
              </label>
            ))}
          </div>
          {errors.group_by ? <p className="text-sm text-red-600">{errors.group_by}</p> : null}
        </fieldset>
      ) : null}
      <Button type="submit" pending={pending}>
        Start export
      </Button>
    </form>
  );
}

/** Re-reads the page every 2 s while an export is still running. */
export function RefreshWhileRunning({ running }: { running: boolean }) {
  const router = useRouter();
  useEffect(() => {
    if (!running) return;
    const t = setInterval(() => router.refresh(), 2000);
    return () => clearInterval(t);
  }, [running, router]);
  return null;
}
