import { PageSkeleton } from "@/components/ui/page-skeleton";

export default function Loading() {
  return (
    <PageSkeleton label="Loading audit log">
      <div className="space-y-2 rounded-lg bg-white p-5">
        {Array.from({ length: 8 }, (_, i) => (
          <div key={i} className="h-6 rounded bg-gray-200" />
        ))}
      </div>
    </PageSkeleton>
  );
}
