"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

// The order is the route map's (notes/ROUTES.md).
const ITEMS = [
  { label: "Overview", path: "" },
  { label: "Reports", path: "/reports" },
  { label: "Budgets", path: "/budgets" },
  { label: "Alerts", path: "/alerts" },
  { label: "Keys", path: "/keys" },
  { label: "Connections", path: "/connections" },
  { label: "Workspaces", path: "/workspaces" },
  { label: "Members", path: "/members" },
  { label: "Audit log", path: "/audit" },
  { label: "Settings", path: "/settings" },
] as const;

export function SideNav({ org }: { org: string }) {
  const pathname = usePathname();
  const base = `/${org}`;
  return (
    <nav aria-label="Organization" className="flex gap-1 overflow-x-auto md:flex-col md:overflow-visible">
      {ITEMS.map((item) => {
        const href = `${base}${item.path}`;
        const active = item.path === "" ? pathname === base : pathname === href || pathname.startsWith(`${href}/`);
        return (
          <Link
            key={item.label}
            href={href}
            aria-current={active ? "page" : undefined}
            className={`whitespace-nowrap rounded-md px-3 py-2 text-sm font-medium ${active ? "bg-blue-50 text-blue-800" : "text-gray-700 hover:bg-gray-100 hover:text-gray-900"}`}
          >
            {item.label}
          </Link>
        );
      })}
    </nav>
  );
}
