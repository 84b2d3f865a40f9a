import { PageSkeleton } from "@/components/ui/page-skeleton";

export default function Loading() {
  return <PageSkeleton label="Loading workspace" titleWidth="w-48" blocks={["h-32", "h-56"]} />;
}
