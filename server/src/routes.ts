import type { RouteModule } from './app';
import { devIdentityProvider } from './auth/dev-idp/dev-identity-provider';
import { signInProviderRoute } from './auth/sign-in-provider-route';
import { consoleRoutes } from './console/console-routes';
import { directoryRoutes, snapshotUpkeep } from './directory';
import { releaseRoutes } from './releases/release-routes';
import { summaryRoutes } from './summaries/summary-routes';
import { hintRoutes } from './sync/hint-routes';
import { syncRoutes } from './sync/sync-routes';

/**
 * Every route module the server registers, in order. Add a module by appending it here; the
 * route tests (every route needs a token, no input makes a 5xx) pick it up from /openapi.json.
 */
export const routeModules: RouteModule[] = [devIdentityProvider, signInProviderRoute, syncRoutes, hintRoutes, summaryRoutes, directoryRoutes, releaseRoutes, snapshotUpkeep, consoleRoutes];
