"use client";

import type { FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { Field, FormError } from "@/components/ui/field";
import type { PublicActionResult } from "../server/public-action";
import { CreateOrgInput } from "../schemas";
import { formFields } from "@/components/form-helpers";
import { usePublicForm } from "./use-public-form";

export function CreateOrgForm({ action }: { action: (input: CreateOrgInput) => Promise<PublicActionResult<{ slug: string }>> }) {
  const { submit, fieldErrors, error, pending, router } = usePublicForm();

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    submit(CreateOrgInput, formFields(e.currentTarget), action, (data) => router.push(`/${data.slug}`));
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
