// The path of a generated organisation page (/practices/<ODS>/, /sub-icb-locations/<ODS>/, /icbs/<ODS>/,
// /regions/<ODS>/, under the site's base path): static HTML that `gp2gp reports build` writes after Evidence's build
// (scripts/lib/reports/org-pages/), not a route of the Evidence app. Read by svelte.config.js (the prerender leaves
// these paths to the generator) and by pages/+layout.svelte (a link to one is a full page load).
export const ORGANISATION_PAGE = /\/(practices|sub-icb-locations|icbs|regions)\/[A-Za-z0-9]+\/$/;
