import { PageSkeleton } from "@/components/ui/page-skeleton";

export default function Loading() {
  return <PageSkeleton label="Loading members" blocks={["h-28", "h-64"]} />;
}
