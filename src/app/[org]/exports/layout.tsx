import { permissionLayout } from "@/server/next/page-permission";

// A member without reports:read gets an HTTP 404 before anything streams (see page-permission.ts).
export default permissionLayout("reports:read");
