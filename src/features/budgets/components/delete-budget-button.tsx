"use client";

import { useRouter } from "next/navigation";
import { Button } from "@/components/ui/button";
import { FormError } from "@/components/ui/field";
import { useTenantAction } from "@/components/use-tenant-action";
import type { ActionResult } from "@/server/next/gate";

export function DeleteBudgetButton({
  org,
  budgetId,
  name,
  action,
}: {
  org: string;
  budgetId: string;
  name: string;
  action: (org: string, input: { budgetId: string }) => Promise<ActionResult<unknown>>;
}) {
  const router = useRouter();
  const { run, pending, error } = useTenantAction(action, org);
  return (
    <div className="space-y-2">
      <FormError message={error} />
      <Button
        variant="danger"
        pending={pending}
        onClick={() => {
          if (!window.confirm(`Delete the budget "${name}"? Keys it paused are resumed unless another budget holds them.`)) return;
          void run({ budgetId }, () => router.push(`/${org}/budgets`));
        }}
      >
        Delete budget
      </Button>
    </div>
  );
}
