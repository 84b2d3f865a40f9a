// next-auth v4 reports failures as a code in `error` (a thrown error's message for credentials).
export const SIGN_IN_ERRORS: Record<string, string> = {
  CredentialsSignin: "Wrong email or password.",
  RateLimited: "Too many sign-in attempts. Wait 15 minutes and try again, or sign in with an email link.",
  EmailSignin: "We couldn't send the sign-in email. Wait a few minutes and try again.",
  Verification: "That sign-in link has expired or was already used. Request a new one.",
  OAuthAccountNotLinked: "An account with this email already exists. Sign in with your password or an email link.",
  OAuthSignin: "Single sign-on could not start. Try again or use your password.",
  OAuthCallback: "Single sign-on failed. Try again or use your password.",
  AccessDenied: "Access denied.",
  SessionRequired: "Sign in to continue.",
};

export function signInErrorMessage(code: string | null | undefined): string | null {
  if (!code) return null;
  return SIGN_IN_ERRORS[code] ?? "Sign-in failed. Try again.";
}
