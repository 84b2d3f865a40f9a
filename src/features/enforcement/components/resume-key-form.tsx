"use client";

import { useState, type FormEvent } from "react";
import type { z } from "zod";
import { FormFooter } from "@/components/ui/form-footer";
import { Field, FormError } from "@/components/ui/field";
import { useTenantAction } from "@/components/use-tenant-action";
import type { ActionResult } from "@/server/next/gate";
import { PauseKeyInput, ResumeKeyInput } from "@/features/budgets/schemas";

type KeyReason = { keyId: string; reason: string };
type KeyReasonAction<I extends KeyReason> = (org: string, input: I) => Promise<ActionResult<unknown>>;

/**
 * A key action that needs a reason (audited): the reason is checked by the action's own zod
 * schema before it is sent, and the message after it never claims more than the server did
 * (it names the action it queued, or the one already queued).
 */
function KeyReasonForm<I extends KeyReason>(p: {
  org: string;
  keyId: string;
  action: KeyReasonAction<I>;
  schema: z.ZodType<I>;
  label: string;
  placeholder: string;
  queued: string;
  alreadyQueued: string;
}) {
  const { run, pending, fieldErrors, error } = useTenantAction(p.action, p.org);
  const [reason, setReason] = useState("");
  const [local, setLocal] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const parsed = p.schema.safeParse({ keyId: p.keyId, reason });
    if (!parsed.success) return setLocal(parsed.error.issues[0]?.message ?? "Give a reason");
    setLocal(null);
    void run(parsed.data, (data) => setDone((data as { status?: string } | null)?.status === "already_requested" ? p.alreadyQueued : p.queued));
  }

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-3" aria-label={p.label}>
      <FormError message={error} />
      <Field label="Reason" name="reason" value={reason} error={local ?? fieldErrors.reason} onChange={(e) => setReason(e.target.value)} placeholder={p.placeholder} />
      <FormFooter submitLabel={p.label} pending={pending} status={done} />
    </form>
  );
}

/** "Resume" with a mandatory reason (audited); the budget won't re-pause the key this period. */
export function ResumeKeyForm({ org, keyId, action }: { org: string; keyId: string; action: KeyReasonAction<ResumeKeyInput> }) {
  return (
    <KeyReasonForm
      org={org}
      keyId={keyId}
      action={action}
      schema={ResumeKeyInput}
      label="Resume key"
      placeholder="Approved by finance for the launch"
      queued="Resume requested; it shows as confirmed once the provider reports the key enabled, or as failed with the reason."
      alreadyQueued="A resume of this key is already queued; it shows as confirmed once the provider reports the key enabled, or as failed with the reason."
    />
  );
}

/** "Pause" by hand with a mandatory reason (audited); it holds until an admin resumes the key. */
export function PauseKeyForm({ org, keyId, action }: { org: string; keyId: string; action: KeyReasonAction<PauseKeyInput> }) {
  return (
    <KeyReasonForm
      org={org}
      keyId={keyId}
      action={action}
      schema={PauseKeyInput}
      label="Pause key"
      placeholder="Leaked in a public repo"
      queued="Pause requested; it shows as confirmed once the provider reports the key disabled, or as failed with the reason."
      alreadyQueued="This key is already paused by hand (or that pause is queued)."
    />
  );
}
