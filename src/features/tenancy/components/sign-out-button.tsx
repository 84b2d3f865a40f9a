"use client";

import { useState } from "react";
import { signOut } from "next-auth/react";

export function SignOutButton({ className = "", callbackUrl = "/sign-in" }: { className?: string; callbackUrl?: string }) {
  const [pending, setPending] = useState(false);
  return (
    <button
      type="button"
      disabled={pending}
      onClick={() => {
        setPending(true);
        void signOut({ callbackUrl });
      }}
      className={`rounded-md px-2 py-1 text-sm text-gray-700 hover:bg-gray-100 disabled:text-gray-400 ${className}`}
    >
      {pending ? "Signing out…" : "Sign out"}
    </button>
  );
}
