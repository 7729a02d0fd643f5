// A TypeDoc plugin (loaded by scripts/package/typedoc.json): TypeDoc's `validation.notDocumented` checks
// that every exported symbol and property has a comment; this adds the library's second rule,
// that every optional property of an exported interface says what happens when it is left out,
// with a `@default` tag. Its warnings are validation warnings, so `treatValidationWarningsAsErrors`
// fails the run on them like on a missing comment.
//
// Not checked: the keys of overlay value schemas (TypeBox, such as `EnvironmentValues`), whose
// `description` says what an absent key means where that is not "nothing" (see
// typedoc-typebox-descriptions.mjs), and the interfaces listed in the option
// `optionalWithoutDefault` (qualified names), each for a reason given in typedoc.json.
import { Application, Converter, ParameterType, ReflectionKind } from 'typedoc';
import ts from 'typescript';

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.options.addDeclaration({
    name: 'optionalWithoutDefault',
    help: 'Interfaces whose optional properties need no @default tag',
    type: ParameterType.Array,
    defaultValue: [],
  });
  const schemaKeys = new WeakSet();
  app.converter.on(Converter.EVENT_CREATE_DECLARATION, (context, reflection) => {
    if (!reflection.kindOf(ReflectionKind.Property)) return;
    if (context.getSymbolFromReflection(reflection)?.declarations?.some(ts.isPropertyAssignment)) schemaKeys.add(reflection);
  });
  app.on(Application.EVENT_VALIDATE_PROJECT, (project) => {
    const exempt = new Set(app.options.getValue('optionalWithoutDefault'));
    for (const iface of project.getReflectionsByKind(ReflectionKind.Interface)) {
      if (exempt.has(iface.getFullName())) continue;
      for (const property of iface.children ?? []) {
        if (!property.flags.isOptional || property.inheritedFrom || schemaKeys.has(property)) continue;
        if (property.comment?.blockTags.some((tag) => tag.tag === '@default')) continue;
        app.logger.validationWarning(`${iface.getFullName()}.${property.name} is optional but has no @default: say what happens when it is left out`);
      }
    }
  });
}
