import type { InputHTMLAttributes, SelectHTMLAttributes, ReactNode } from "react";

/** Label above, control, then the hint or the error under it. */
function FieldShell({ id, label, hint, error, errorId, children }: { id: string; label: string; hint?: ReactNode; error?: string; errorId?: string; children: ReactNode }) {
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium text-gray-700">
        {label}
      </label>
      {children}
      {hint && !error ? <p className="text-xs text-gray-500">{hint}</p> : null}
      <InlineError id={errorId} message={error} />
    </div>
  );
}

/** A labelled input with its error shown inline under it. */
export function Field({
  label,
  name,
  error,
  hint,
  ...props
}: InputHTMLAttributes<HTMLInputElement> & { label: string; name: string; error?: string; hint?: ReactNode }) {
  const id = props.id ?? `f-${name}`;
  return (
    <FieldShell id={id} label={label} hint={hint} error={error} errorId={`${id}-error`}>
      <input
        id={id}
        name={name}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        {...props}
        className={`block w-full rounded-md border px-3 py-2 text-sm shadow-sm focus:outline-none focus:ring-2 focus:ring-blue-500 ${error ? "border-red-500" : "border-gray-300"} ${props.className ?? ""}`}
      />
    </FieldShell>
  );
}

export function SelectField({
  label,
  name,
  error,
  options,
  ...props
}: SelectHTMLAttributes<HTMLSelectElement> & { label: string; name: string; error?: string; options: { value: string; label: string }[] }) {
  const id = props.id ?? `f-${name}`;
  return (
    <FieldShell id={id} label={label} error={error}>
      <select
        id={id}
        name={name}
        aria-invalid={error ? true : undefined}
        {...props}
        className={`block w-full rounded-md border bg-white px-3 py-2 text-sm shadow-sm ${error ? "border-red-500" : "border-gray-300"}`}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </FieldShell>
  );
}

/** A small error under a field or next to a button; `as="span"` inside inline layouts. */
export function InlineError({ message, id, as: Tag = "p", className }: { message?: string | null; id?: string; as?: "p" | "span"; className?: string }) {
  if (!message) return null;
  return (
    <Tag id={id} role="alert" className={className ? `${className} text-xs text-red-600` : "text-xs text-red-600"}>
      {message}
    </Tag>
  );
}

export function FormError({ message }: { message?: string | null }) {
  if (!message) return null;
  return (
    <div role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700">
      {message}
    </div>
  );
}
