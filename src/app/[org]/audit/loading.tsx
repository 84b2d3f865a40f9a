export default function Loading() {
  return (
    <div className="animate-pulse space-y-6" aria-busy="true" aria-label="Loading audit log">
      <div className="h-8 w-40 rounded bg-gray-200" />
      <div className="space-y-2 rounded-lg bg-white p-5">
        {Array.from({ length: 8 }, (_, i) => (
          <div key={i} className="h-6 rounded bg-gray-200" />
        ))}
      </div>
    </div>
  );
}
