// Merged into Evidence's SvelteKit configuration (Evidence reads a svelte.config.js at the project's root).
//
// The organisation pages (/practices/<ODS>/, /sub-icb-locations/<ODS>/, /icbs/<ODS>/, /regions/<ODS>/) are not Evidence
// pages: `gp2gp reports build` writes them as static HTML after Evidence's build (scripts/lib/reports/org-pages/).
// The prerender does not crawl: every Evidence page is a route without parameters, so SvelteKit's default entries
// ('*') list them all, and each page's data files are fetched while it renders. Crawling followed the index pages'
// links to the organisation pages, which do not exist yet, and rendered Evidence's error page for each: at national
// scale 6,400 failed renders. A link that still leads there (or what Evidence's error page fetches while rendering
// one) is left to the generator; any other error fails the build as before.
import { ORGANISATION_PAGE } from './components/organisation-page.js';

export default {
	kit: {
		prerender: {
			crawl: false,
			handleHttpError: ({ path, referrer, message }) => {
				if (ORGANISATION_PAGE.test(path) || (referrer && ORGANISATION_PAGE.test(referrer))) return;
				throw new Error(message);
			}
		}
	}
};
