import type { ReactNode } from "react";

/**
 * A page's loading placeholder: a title bar, then grey blocks roughly the page's shape.
 * Heights and widths are whole Tailwind classes ("h-72", "w-48") so the class scanner sees them.
 */
export function PageSkeleton({ label, titleWidth = "w-40", blocks = [], children }: { label: string; titleWidth?: string; blocks?: string[]; children?: ReactNode }) {
  return (
    <div className="animate-pulse space-y-6" aria-busy="true" aria-label={label}>
      <div className={`h-8 ${titleWidth} rounded bg-gray-200`} />
      {children}
      {blocks.map((h, i) => (
        <div key={i} className={`${h} rounded-lg bg-gray-200`} />
      ))}
    </div>
  );
}
