"use client";

import { useEffect, useRef } from "react";
import Link from "next/link";
import { usePathname } from "next/navigation";

type OrgItem = { slug: string; name: string; role: string };

/** A <details> dropdown: works before hydration, closes after navigating. */
export function OrgSwitcher({ current, orgs }: { current: OrgItem; orgs: OrgItem[] }) {
  const ref = useRef<HTMLDetailsElement>(null);
  const pathname = usePathname();
  useEffect(() => {
    if (ref.current) ref.current.open = false;
  }, [pathname]);
  return (
    <details ref={ref} className="group relative">
      <summary
        className="flex cursor-pointer list-none items-center gap-2 rounded-md border border-gray-200 bg-white px-3 py-1.5 text-sm font-medium text-gray-900 hover:bg-gray-50"
        aria-label="Switch organization"
      >
        <span className="max-w-[10rem] truncate sm:max-w-[16rem]">{current.name}</span>
        <span aria-hidden className="text-gray-400 transition-transform group-open:rotate-180">
          ▾
        </span>
      </summary>
      <div className="absolute left-0 z-20 mt-1 w-64 rounded-md border border-gray-200 bg-white py-1 shadow-lg">
        <p className="px-3 py-1 text-xs font-medium uppercase tracking-wide text-gray-500">Organizations</p>
        <ul>
          {orgs.map((o) => (
            <li key={o.slug}>
              <Link
                href={`/${o.slug}`}
                aria-current={o.slug === current.slug ? "true" : undefined}
                className={`flex items-center justify-between px-3 py-2 text-sm hover:bg-gray-50 ${o.slug === current.slug ? "font-semibold text-blue-700" : "text-gray-800"}`}
              >
                <span className="truncate">{o.name}</span>
                <span className="ml-2 text-xs text-gray-500">{o.role}</span>
              </Link>
            </li>
          ))}
        </ul>
        <div className="border-t border-gray-100">
          <Link href="/onboarding" className="block px-3 py-2 text-sm text-gray-700 hover:bg-gray-50">
            + New organization
          </Link>
        </div>
      </div>
    </details>
  );
}
