"use client";

import { useState, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { Field, FormError, SelectField } from "@/components/ui/field";
import { useTenantForm } from "@/components/use-tenant-action";
import type { ActionResult } from "@/server/next/gate";
import { InviteMemberInput, ROLE_LABELS, type RoleInput } from "../schemas";
import { formFields } from "@/components/form-helpers";

export function InviteForm({
  org,
  assignable,
  action,
}: {
  org: string;
  assignable: RoleInput[];
  action: (org: string, input: InviteMemberInput) => Promise<ActionResult<{ email: string }>>;
}) {
  const { submit, pending, errors, error } = useTenantForm(action, org);
  const [sent, setSent] = useState<string | null>(null);

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    setSent(null);
    submit(InviteMemberInput, formFields(form), (data) => {
      setSent(data.email);
      form.reset();
    });
  }

  const defaultRole = assignable.includes("member") ? "member" : assignable[assignable.length - 1];
  return (
    <form onSubmit={onSubmit} noValidate className="space-y-3">
      <FormError message={error} />
      <div className="grid gap-3 sm:grid-cols-[1fr_12rem_auto] sm:items-start">
        <Field label="Email" name="email" type="email" placeholder="teammate@company.com" error={errors.email} />
        <SelectField label="Role" name="role" defaultValue={defaultRole} error={errors.role} options={assignable.map((r) => ({ value: r, label: ROLE_LABELS[r] }))} />
        <div className="sm:pt-6">
          <Button type="submit" pending={pending} className="w-full sm:w-auto">
            Send invitation
          </Button>
        </div>
      </div>
      {sent ? (
        <p role="status" className="text-sm text-green-700">
          Invitation sent to {sent}.
        </p>
      ) : null}
    </form>
  );
}
