import Link from "next/link";

export default function OrgNotFound() {
  return (
    <div className="rounded-lg border border-gray-200 bg-white px-6 py-12 text-center">
      <h1 className="text-lg font-semibold text-gray-900">Not found</h1>
      <p className="mt-1 text-sm text-gray-600">This page doesn&apos;t exist, or you don&apos;t have access to it.</p>
      <Link href="/" className="mt-4 inline-block text-sm font-medium text-blue-700 hover:underline">
        Back to Tollgate
      </Link>
    </div>
  );
}
