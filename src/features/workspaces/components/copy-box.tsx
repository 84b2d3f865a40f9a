"use client";

import { useState } from "react";
import { Button } from "@/components/ui/button";

/** A read-only value with a Copy button (tokens shown once, curl examples). */
export function CopyBox({ value, label, multiline = false }: { value: string; label: string; multiline?: boolean }) {
  const [copied, setCopied] = useState(false);
  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      setCopied(false);
    }
  }
  return (
    <div className="space-y-1">
      <div className="flex items-center justify-between gap-2">
        <span className="text-xs font-medium text-gray-600">{label}</span>
        <Button type="button" variant="secondary" className="px-2 py-1 text-xs" onClick={() => void copy()} aria-label={`Copy ${label}`}>
          {copied ? "Copied" : "Copy"}
        </Button>
      </div>
      {multiline ? (
        <pre className="overflow-x-auto whitespace-pre-wrap break-all rounded-md bg-gray-900 p-3 font-mono text-xs text-gray-100" data-testid={`copy-${label}`}>
          {value}
        </pre>
      ) : (
        <input
          readOnly
          value={value}
          aria-label={label}
          onFocus={(e) => e.currentTarget.select()}
          className="block w-full rounded-md border border-gray-300 bg-gray-50 px-3 py-2 font-mono text-sm"
        />
      )}
    </div>
  );
}
