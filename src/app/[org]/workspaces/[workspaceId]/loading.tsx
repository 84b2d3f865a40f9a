export default function Loading() {
  return (
    <div className="animate-pulse space-y-6" aria-busy="true" aria-label="Loading workspace">
      <div className="h-8 w-48 rounded bg-gray-200" />
      <div className="h-32 rounded-lg bg-gray-200" />
      <div className="h-56 rounded-lg bg-gray-200" />
    </div>
  );
}
