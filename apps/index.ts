import type { AppDefinition } from '../lib/core/app';
import { codeforphilly } from './codeforphilly';
import { palEDocsApi } from './pal-e-docs-api';

/** Every app in this repository. An app deploys to each environment that has `overlays/<env>/<app>.yaml`. */
export const apps: readonly AppDefinition[] = [codeforphilly, palEDocsApi] as readonly AppDefinition[];
