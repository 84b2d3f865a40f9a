/**
 * A dated model version's family: `gpt-4o-2024-08-06` → `gpt-4o`,
 * `anthropic/claude-3-5-sonnet-20241022` → `anthropic/claude-3-5-sonnet`, `o1-preview-2024-09-12` →
 * `o1-preview`. Names without a date suffix are their own family.
 */
export function modelFamily(model: string): string {
  return model.replace(/-(\d{4}-\d{2}-\d{2}|20\d{6}|\d{4})$/, "");
}
