"""Every write about people, one module per area: `profiles` (profile, skills, endorsements,
follows), `people` (invitations, import, roles, deactivation), `auth` (tokens, preferences,
invitation acceptance)."""
