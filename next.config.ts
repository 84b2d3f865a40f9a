import type { NextConfig } from "next";
import { securityHeaders } from "./src/server/security-headers";

const nextConfig: NextConfig = {
  // Workers and scripts import the same server modules; keep pg/ioredis/bullmq external.
  serverExternalPackages: ["pg", "ioredis", "bullmq", "bcryptjs", "nodemailer", "protobufjs"],
  poweredByHeader: false,
  typedRoutes: false,
  async headers() {
    // Build-time configuration, like the rest of this file (src/env.ts validates at run time).
    const appUrl = process.env.APP_URL ?? "http://localhost:3000";
    return [{ source: "/:path*", headers: securityHeaders({ appUrl, dev: process.env.NODE_ENV !== "production" }) }];
  },
};

export default nextConfig;
