import type { ReactNode } from "react";
import { Button } from "./button";

/**
 * A form's last row: the submit button, then Cancel (inline edit forms, `onCancel`) or a
 * success message (`status`, announced as role=status).
 */
export function FormFooter({
  submitLabel,
  pending,
  status,
  onCancel,
  variant = "primary",
}: {
  submitLabel: ReactNode;
  pending: boolean;
  status?: ReactNode;
  onCancel?: () => void;
  variant?: "primary" | "danger";
}) {
  const submit = (
    <Button type="submit" variant={variant} pending={pending}>
      {submitLabel}
    </Button>
  );
  if (onCancel) {
    return (
      <div className="flex gap-2">
        {submit}
        <Button type="button" variant="secondary" onClick={onCancel} disabled={pending}>
          Cancel
        </Button>
      </div>
    );
  }
  return (
    <div className="flex items-center gap-3">
      {submit}
      {status ? (
        <p role="status" className="text-sm text-green-700">
          {status}
        </p>
      ) : null}
    </div>
  );
}
