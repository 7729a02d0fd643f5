import { Type, type TObject } from '@sinclair/typebox';
import { AppBaseValues, type AppDefinition } from '../core/app';
import { PolicyExceptionsValues } from './policy/types';

/**
 * The JSON Schema of an app's overlay file: the base keys plus the app's own, and the optional
 * `policyExceptions` (lib/policy), last so that no app schema can redefine it.
 */
export function overlaySchema(definition: AppDefinition): TObject {
  return Type.Object({ ...AppBaseValues.properties, ...definition.values.properties, policyExceptions: Type.Optional(PolicyExceptionsValues) }, { additionalProperties: false });
}
