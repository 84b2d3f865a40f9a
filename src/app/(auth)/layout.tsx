import type { ReactNode } from "react";
import Link from "next/link";

export default function AuthLayout({ children }: { children: ReactNode }) {
  return (
    <div className="flex min-h-screen flex-col items-center justify-center px-4 py-12">
      <Link href="/" className="mb-8 flex items-center gap-2 text-xl font-semibold text-gray-900">
        <span aria-hidden className="inline-flex h-8 w-8 items-center justify-center rounded-md bg-blue-700 text-sm font-bold text-white">
          T
        </span>
        Tollgate
      </Link>
      <div className="w-full max-w-md rounded-lg border border-gray-200 bg-white p-6 shadow-sm sm:p-8">{children}</div>
    </div>
  );
}
