import { PageSkeleton } from "@/components/ui/page-skeleton";

export default function Loading() {
  return <PageSkeleton label="Loading settings" blocks={["h-64", "h-32"]} />;
}
