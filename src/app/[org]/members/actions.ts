"use server";

import { tenantAction } from "@/server/next/gate";
import { ChangeRoleInput, InvitationIdInput, InviteMemberInput, MembershipIdInput } from "@/features/tenancy/schemas";
import { changeMemberRole, removeMember } from "@/features/tenancy/server/members";
import { inviteMember, resendInvitation, revokeInvitation } from "@/features/tenancy/server/invitations";

export const changeMemberRoleAction = tenantAction("members:write", ChangeRoleInput, changeMemberRole);
export const removeMemberAction = tenantAction("members:write", MembershipIdInput, removeMember);
export const inviteMemberAction = tenantAction("members:write", InviteMemberInput, inviteMember);
export const resendInvitationAction = tenantAction("members:write", InvitationIdInput, resendInvitation);
export const revokeInvitationAction = tenantAction("members:write", InvitationIdInput, revokeInvitation);
