import { permissionLayout } from "@/server/next/page-permission";

// A member without budgets:read gets an HTTP 404 before anything streams (see page-permission.ts).
export default permissionLayout("budgets:read");
