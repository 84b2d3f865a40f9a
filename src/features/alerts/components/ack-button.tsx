"use client";

import { Button } from "@/components/ui/button";
import { InlineError } from "@/components/ui/field";
import { useTenantAction } from "@/components/use-tenant-action";
import type { ActionResult } from "@/server/next/gate";

export function AckButton({ org, alertId, action }: { org: string; alertId: string; action: (org: string, input: { alertId: string }) => Promise<ActionResult<unknown>> }) {
  const { run, pending, error } = useTenantAction(action, org);
  return (
    <span className="inline-flex items-center gap-2">
      <Button variant="secondary" pending={pending} onClick={() => void run({ alertId })}>
        Acknowledge
      </Button>
      <InlineError as="span" message={error} />
    </span>
  );
}
