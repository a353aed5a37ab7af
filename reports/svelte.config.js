// Merged into Evidence's SvelteKit configuration (Evidence reads a svelte.config.js at the project's root).
//
// The organisation pages (/practices/<ODS>/, /sub-icb-locations/<ODS>/, /icbs/<ODS>/, /regions/<ODS>/) are not Evidence
// pages: `gp2gp reports build` writes them as static HTML after Evidence's build (scripts/lib/reports/org-pages/).
// The index pages link to them, so the prerender's crawler finds those links before the pages exist: it leaves them
// (and what Evidence's error page fetches while rendering one) to the generator, and fails on any other error as before.
const ORGANISATION_PAGE = /\/(practices|sub-icb-locations|icbs|regions)\/[A-Za-z0-9]+\/$/;

export default {
	kit: {
		prerender: {
			handleHttpError: ({ path, referrer, message }) => {
				if (ORGANISATION_PAGE.test(path) || (referrer && ORGANISATION_PAGE.test(referrer))) return;
				throw new Error(message);
			}
		}
	}
};
