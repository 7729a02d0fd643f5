import type { AppDefinition } from '../lib/core/app';
import { codeforphilly } from './codeforphilly';
import { palEDocsApi } from './pal-e-docs-api';
import { poolDomainManager } from './pool-domain-manager';
import { railiancePlatform } from './railiance-platform';
import { stateHub } from './state-hub';

/** Every app in this repository. An app deploys to each environment that has `overlays/<env>/<app>.yaml`. */
export const apps: readonly AppDefinition[] = [codeforphilly, palEDocsApi, poolDomainManager, railiancePlatform, stateHub] as readonly AppDefinition[];
