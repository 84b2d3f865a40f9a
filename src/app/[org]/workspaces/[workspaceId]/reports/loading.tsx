export { default } from "@/app/[org]/reports/loading";
