/**
 * One problem with a user's input, written for the person who has to fix it.
 */
export interface Problem {
  /** Where: an overlay file with line and field path, or a construct path. */
  readonly where: string;
  /** What is wrong, in one sentence. */
  readonly message: string;
  /** What is allowed instead, when that is not obvious from the message. */
  readonly allowed?: string;
  /** How to fix it, when there is more than one reasonable way. */
  readonly hint?: string;
}

/**
 * The one error type for user-facing failures: bad overlays, invalid construct props,
 * objects the upstream schemas reject. The CLI prints it without a stack trace and
 * exits with code 2; any other error is a bug in the library (exit 70).
 */
export class UserError extends Error {
  /** Every problem found, in the order found; the message is their formatted list. */
  public readonly problems: readonly Problem[];

  constructor(problems: Problem | readonly Problem[]) {
    const list = Array.isArray(problems) ? (problems as readonly Problem[]) : [problems as Problem];
    super(formatProblems(list));
    this.name = 'UserError';
    this.problems = list;
  }
}

/** Renders problems as the CLI prints them: one block each, most useful line first. */
export function formatProblems(problems: readonly Problem[]): string {
  return problems.map(formatProblem).join('\n');
}

function formatProblem(problem: Problem): string {
  const lines = [`${printable(problem.where)}: ${printable(problem.message)}`];
  if (problem.allowed) lines.push(`  allowed: ${printable(problem.allowed)}`);
  if (problem.hint) lines.push(`  fix: ${printable(problem.hint)}`);
  return lines.join('\n').split('\n').map(inertLine).join('\n');
}

/**
 * `text` safe to print to a terminal or a CI log: problems quote what users wrote (overlay keys
 * and values, names), and a quoted string must not act on the reader's terminal or the CI runner.
 * Control characters (ESC sequences that recolour, move the cursor or retitle the terminal; CR
 * that overwrites a line; BEL), Unicode format characters (bidi overrides, zero-width) and line
 * separators are shown as `\u{...}` escapes. A line break is kept only where the library indents
 * the next line (a multi-line hint); any other is escaped, so a value cannot start a line of its own.
 */
export function printable(text: string): string {
  return text
    .replace(/\n(?! {2})/g, '\\n')
    .replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]|\p{Cf}/gu, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
}

/**
 * A printed line that no CI runner reads as a command: GitHub Actions takes a line starting with
 * "::" as a workflow command (`::set-output`, `::add-mask::`, `::stop-commands::`; docs
 * "Workflow commands for GitHub Actions"), Azure Pipelines one starting with "##vso[" and "##["
 * (docs "Logging commands"). Such a line gets a backslash before its second character.
 */
function inertLine(line: string): string {
  return line.replace(/^(\s*)(::|##)/, (_m, space: string, prefix: string) => `${space}${prefix[0]}\\${prefix[1]}`);
}

/**
 * Where a bug in the library is reported; the CLI prints it with the stack of an internal error
 * (exit 70). The library has one home, the platform team's repository it is built from.
 */
export const REPORT_BUGS = 'the maintainers of @platform/cdk8s-constructs (an issue in the repository the library is built from)';

/**
 * What the CLIs print for a fault inside the library (exit 70): that it is the library's, where
 * to report it, and the stack. The first line is the headline the caller may colour.
 */
export function internalErrorLines(error: unknown): string[] {
  return [
    'internal error: a bug in the library, not in your input or your app code',
    `Please report it to ${REPORT_BUGS}, with the command you ran, this message and the stack below:`,
    error instanceof Error ? error.stack ?? error.message : String(error),
  ];
}
