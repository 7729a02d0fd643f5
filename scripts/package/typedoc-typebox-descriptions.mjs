// A TypeDoc plugin (loaded by scripts/package/typedoc.json): an overlay value schema written with TypeBox
// documents each key in its `description` option, which is also what a validation error shows as
// "allowed". TypeBox has no way to carry that option into the static type's doc comments (its
// author suggests repeating it as a TSDoc comment, sinclairzx81/typebox discussion #850), so this
// plugin gives a property without a comment the `description` of the schema call that declares
// it, e.g. `cluster: dnsLabel({ description: 'the cluster ...' })` or
// `gateway: Type.Optional(Type.Object({ ... }, { description: '...' }))`. The schema stays the one
// place the text is written; a property whose schema has no description still needs a comment,
// and TypeDoc's `validation.notDocumented` reports it.
import { Comment, Converter, ReflectionKind } from 'typedoc';
import ts from 'typescript';

/** The `description` of a schema expression: its own options, or those of the schema it wraps. */
function descriptionOf(expression) {
  let node = expression;
  while (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isSatisfiesExpression(node)) node = node.expression;
  if (!ts.isCallExpression(node)) return undefined;
  for (const argument of node.arguments) {
    if (!ts.isObjectLiteralExpression(argument)) continue;
    const option = argument.properties.find((p) => ts.isPropertyAssignment(p) && p.name.getText() === 'description' && ts.isStringLiteralLike(p.initializer));
    if (option) return option.initializer.text;
  }
  // Type.Optional(schema), Type.Readonly(schema): the wrapped schema's description.
  const [first] = node.arguments;
  return first && ts.isCallExpression(first) ? descriptionOf(first) : undefined;
}

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_CREATE_DECLARATION, (context, reflection) => {
    if (!reflection.kindOf(ReflectionKind.Property) || reflection.hasComment()) return;
    const declaration = context.getSymbolFromReflection(reflection)?.declarations?.find(ts.isPropertyAssignment);
    const description = declaration && descriptionOf(declaration.initializer);
    // Plain text, not Markdown: "s3://<bucket>/<path>" must not become an HTML tag.
    if (description) reflection.comment = new Comment([{ kind: 'text', text: description.replace(/[<>]/g, (c) => `\\${c}`) }]);
  });
}
