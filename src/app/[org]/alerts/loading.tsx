export default function Loading() {
  return (
    <div className="animate-pulse space-y-6" aria-busy="true" aria-label="Loading alerts">
      <div className="h-8 w-40 rounded bg-gray-200" />
      <div className="h-72 rounded-lg bg-gray-200" />
    </div>
  );
}
