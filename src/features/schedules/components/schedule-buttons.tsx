"use client";

import Link from "next/link";
import { Button } from "@/components/ui/button";
import { ConfirmButton } from "@/components/ui/confirm-button";
import { InlineError } from "@/components/ui/field";
import { useTenantAction } from "@/components/use-tenant-action";
import type { ActionResult } from "@/server/next/gate";
import type { ScheduleIdInput } from "../schemas";

type Act = (org: string, input: ScheduleIdInput) => Promise<ActionResult<unknown>>;

/** Edit, "Send now" (a test run of the last complete period) and Delete for one schedule. */
export function ScheduleButtons({ org, scheduleId, name, sendNow, remove }: { org: string; scheduleId: string; name: string; sendNow: Act; remove: Act }) {
  const send = useTenantAction(sendNow, org);
  const del = useTenantAction(remove, org);
  return (
    <div className="flex flex-wrap items-center justify-end gap-2">
      <Link href={`/${org}/schedules/${scheduleId}`} className="text-sm font-medium text-blue-700 hover:underline" aria-label={`Edit ${name}`}>
        Edit
      </Link>
      <Button type="button" variant="secondary" pending={send.pending} onClick={() => void send.run({ scheduleId })}>
        Send now
      </Button>
      <ConfirmButton align="start" label="Delete" confirmLabel={<>Delete {name}</>} pending={del.pending} error={del.error} onConfirm={() => void del.run({ scheduleId })} />
      <InlineError message={send.error} as="span" />
    </div>
  );
}
