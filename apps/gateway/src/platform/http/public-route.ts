import { SetMetadata } from '@nestjs/common';

// Read by the control plane's AuthGuard. Here because routes of every run mode (health,
// metrics) are public, also where the control plane's API is not mounted.
export const IS_PUBLIC = Symbol('IS_PUBLIC');
/** The route needs no bearer token (health, metrics, OpenAPI). */
export const Public = () => SetMetadata(IS_PUBLIC, true);
