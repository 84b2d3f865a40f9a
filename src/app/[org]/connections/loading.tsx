export default function Loading() {
  return (
    <div className="animate-pulse space-y-6" aria-busy="true" aria-label="Loading connections">
      <div className="h-8 w-64 rounded bg-gray-200" />
      <div className="h-40 rounded-lg bg-gray-200" />
      <div className="h-64 rounded-lg bg-gray-200" />
    </div>
  );
}
