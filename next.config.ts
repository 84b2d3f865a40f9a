import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Workers and scripts import the same server modules; keep pg/ioredis/bullmq external.
  serverExternalPackages: ["pg", "ioredis", "bullmq", "bcryptjs", "nodemailer", "protobufjs"],
  poweredByHeader: false,
  typedRoutes: false,
};

export default nextConfig;
