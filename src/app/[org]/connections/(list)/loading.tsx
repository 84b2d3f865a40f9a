import { PageSkeleton } from "@/components/ui/page-skeleton";

export default function Loading() {
  return <PageSkeleton label="Loading connections" titleWidth="w-64" blocks={["h-40", "h-64"]} />;
}
