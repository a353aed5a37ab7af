// Who this site is for: "public" or "internal". Every `gp2gp reports build` writes its own copy of this file into its
// working folder (scripts/lib/reports/build.ts); this one, read by `npm run dev`, which shows every page, says internal.
export const audience = 'internal';
