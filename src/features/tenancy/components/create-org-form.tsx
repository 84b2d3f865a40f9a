"use client";

import { useState, useTransition, type FormEvent } from "react";
import { useRouter } from "next/navigation";
import { Button } from "@/components/ui/button";
import { Field, FormError } from "@/components/ui/field";
import type { PublicActionResult } from "../server/public-action";
import { CreateOrgInput } from "../schemas";
import { checkForm, formFields } from "@/components/form-helpers";

export function CreateOrgForm({ action }: { action: (input: CreateOrgInput) => Promise<PublicActionResult<{ slug: string }>> }) {
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const router = useRouter();

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const v = checkForm(CreateOrgInput, formFields(e.currentTarget));
    setFieldErrors(v.errors ?? {});
    if (!v.data) return;
    const input = v.data;
    setError(null);
    startTransition(async () => {
      const res = await action(input);
      if (!res.ok) {
        setFieldErrors(res.fieldErrors ?? {});
        setError(res.fieldErrors ? null : res.error);
        return;
      }
      router.push(`/${res.data.slug}`);
    });
  }

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-4">
      <FormError message={error} />
      <Field label="Organization name" name="name" autoComplete="organization" error={fieldErrors.name} hint="You will be its owner." />
      <Button type="submit" className="w-full" pending={pending}>
        Create organization
      </Button>
    </form>
  );
}
