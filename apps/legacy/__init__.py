"""The one-off move from the old Go/Supabase backend (issue 15): import, media copy, and the
credentials the Cognito user-migration trigger checks. Removable once the switch is done."""
