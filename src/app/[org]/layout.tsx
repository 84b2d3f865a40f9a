import type { ReactNode } from "react";
import Link from "next/link";
import { getPageContext } from "@/server/next/page-context";
import { listUserOrgs } from "@/features/tenancy/server/orgs";
import { OrgSwitcher } from "@/features/tenancy/components/org-switcher";
import { SideNav } from "@/features/tenancy/components/side-nav";
import { SignOutButton } from "@/features/tenancy/components/sign-out-button";

// The org shell: membership is resolved here once (non-members get 404) and pages reuse it.
export default async function OrgLayout({ children, params }: { children: ReactNode; params: Promise<{ org: string }> }) {
  const { org } = await params;
  const ctx = await getPageContext(org);
  const orgs = ctx.userId ? await listUserOrgs(ctx.userId) : [];
  const current = { slug: ctx.orgSlug, name: ctx.orgName, role: String(ctx.role) };
  return (
    <div className="min-h-screen">
      <header className="sticky top-0 z-30 border-b border-gray-200 bg-white/95 backdrop-blur">
        <div className="mx-auto flex h-14 max-w-7xl items-center justify-between gap-3 px-4">
          <div className="flex min-w-0 items-center gap-3">
            <Link href={`/${ctx.orgSlug}`} className="flex items-center gap-2 font-semibold text-gray-900" aria-label="Tollgate home">
              <span aria-hidden className="inline-flex h-7 w-7 items-center justify-center rounded-md bg-blue-700 text-xs font-bold text-white">
                T
              </span>
              <span className="hidden sm:inline">Tollgate</span>
            </Link>
            <span aria-hidden className="text-gray-300">
              /
            </span>
            <OrgSwitcher current={current} orgs={orgs.length ? orgs : [current]} />
          </div>
          <div className="flex min-w-0 items-center gap-2">
            <span className="hidden truncate text-sm text-gray-600 sm:inline" data-testid="user-email">
              {ctx.actorLabel}
            </span>
            <SignOutButton />
          </div>
        </div>
      </header>
      <div className="mx-auto flex max-w-7xl flex-col gap-6 px-4 py-6 md:flex-row">
        <aside className="md:w-52 md:shrink-0">
          <SideNav org={ctx.orgSlug} />
        </aside>
        <main className="min-w-0 flex-1">{children}</main>
      </div>
    </div>
  );
}
