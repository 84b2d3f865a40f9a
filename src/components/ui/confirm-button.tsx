"use client";

import { useState, type ReactNode } from "react";
import { Button } from "./button";
import { InlineError } from "./field";

/**
 * A destructive action in two steps: a quiet button, then "<confirmLabel>" + Cancel.
 * `onConfirm` gets `close` to fold back after success; skip calling it when the row disappears anyway.
 * `align="start"` sits among other buttons in a wrapping row; `"end"` is a table's last cell.
 */
export function ConfirmButton({
  label,
  confirmLabel,
  pending,
  error,
  onConfirm,
  align = "end",
}: {
  label: ReactNode;
  confirmLabel: ReactNode;
  pending: boolean;
  error?: string | null;
  onConfirm: (close: () => void) => void;
  align?: "start" | "end";
}) {
  const [confirming, setConfirming] = useState(false);
  const close = () => setConfirming(false);
  const buttons = confirming ? (
    <>
      <Button variant="danger" pending={pending} onClick={() => onConfirm(close)}>
        {confirmLabel}
      </Button>
      <Button variant="secondary" onClick={close} disabled={pending}>
        Cancel
      </Button>
    </>
  ) : null;
  const trigger = (
    <Button variant="ghost" onClick={() => setConfirming(true)}>
      {label}
    </Button>
  );
  if (align === "start") {
    return (
      <span className="inline-flex flex-col items-start gap-1">
        {buttons ? <span className="inline-flex gap-2">{buttons}</span> : trigger}
        <InlineError as="span" message={error} />
      </span>
    );
  }
  return (
    <div className="flex flex-col items-end gap-1">
      {buttons ? <div className="flex gap-2">{buttons}</div> : trigger}
      <InlineError message={error} />
    </div>
  );
}
