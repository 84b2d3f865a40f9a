import { Button } from "./button";

/** Save for a row editor (a select or two): enabled when changed, "Saved" once the change went through. */
export function InlineSave({ pending, dirty, saved, onSave }: { pending: boolean; dirty: boolean; saved: boolean; onSave: () => void }) {
  return (
    <>
      <Button variant="secondary" className="px-2 py-1" pending={pending} disabled={!dirty} onClick={onSave}>
        Save
      </Button>
      {saved && !dirty ? (
        <span role="status" className="text-xs text-green-700">
          Saved
        </span>
      ) : null}
    </>
  );
}
