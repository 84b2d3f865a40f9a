import Link from "next/link";

export default function NotFound() {
  return (
    <main className="mx-auto max-w-md px-6 py-24 text-center">
      <h1 className="text-2xl font-semibold text-gray-900">Not found</h1>
      <p className="mt-2 text-sm text-gray-600">This page doesn&apos;t exist, or you don&apos;t have access to it.</p>
      <Link href="/" className="mt-6 inline-block rounded-md bg-blue-700 px-3 py-2 text-sm font-medium text-white hover:bg-blue-800">
        Go to your organizations
      </Link>
    </main>
  );
}
