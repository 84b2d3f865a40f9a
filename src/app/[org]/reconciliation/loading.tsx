import { PageSkeleton } from "@/components/ui/page-skeleton";

export default function Loading() {
  return <PageSkeleton label="Loading the reconciliation" titleWidth="w-72" blocks={["h-96"]} />;
}
