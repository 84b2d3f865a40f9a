import type { Metadata } from "next";
import { getPageContextWith } from "@/server/next/page-context";
import { budgetFormOptions } from "@/features/budgets/server/options";
import { BudgetForm } from "@/features/budgets/components/budget-form";
import { Card, PageHeader } from "@/components/ui/card";
import { createBudgetAction } from "../actions";

export const metadata: Metadata = { title: "New budget · Tollgate" };

export default async function NewBudgetPage({ params }: { params: Promise<{ org: string }> }) {
  const { org } = await params;
  const ctx = await getPageContextWith(org, "budgets:write");
  const options = await budgetFormOptions(ctx);
  return (
    <>
      <PageHeader title="New budget" description={`Periods follow the calendar in ${ctx.timeZone} (change it in Settings).`} />
      <Card>
        <BudgetForm org={ctx.orgSlug} options={options} action={createBudgetAction} />
      </Card>
    </>
  );
}
