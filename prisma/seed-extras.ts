/** Usage history and budgets for the demo org; filled in as those features land. */
export async function seedDemoExtras(_demo: { orgId: string; userIds: string[]; workspaceIds: string[] }): Promise<void> {}
