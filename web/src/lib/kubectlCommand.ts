// The console's kubectl box: a typed command line split into arguments as a shell would (quotes,
// backslashes), without a shell ever running it; and the session's history of commands.

/** What a typed line becomes: the arguments after `kubectl`, or why it cannot be split. */
export type SplitCommand = { args: string[] } | { error: string };

/**
 * Splits `line` at unquoted whitespace. Single quotes keep everything literally; double quotes
 * keep everything but `\"` and `\\`; outside quotes a backslash keeps the next character. A
 * leading `kubectl` is dropped, since the box runs kubectl anyway.
 */
export function splitCommand(line: string): SplitCommand {
  const args: string[] = [];
  let current = '';
  let inWord = false;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote === "'") {
      if (c === "'") quote = null;
      else current += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) current += line[++i];
      else current += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\') {
      if (i + 1 >= line.length) return { error: 'The line ends with a backslash' };
      current += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) args.push(current);
      current = '';
      inWord = false;
    } else {
      current += c;
      inWord = true;
    }
  }
  if (quote) return { error: `A ${quote === "'" ? 'single' : 'double'} quote is not closed` };
  if (inWord) args.push(current);
  if (args[0] === 'kubectl') args.shift();
  if (args.length === 0) return { error: 'Type a command, e.g. get pods -n default' };
  return { args };
}

/** The most commands the history keeps. */
export const HISTORY_SIZE = 20;

/** `history` with `line` first (moved there if it was already in it), at most `HISTORY_SIZE`. */
export function remember(history: readonly string[], line: string): string[] {
  const trimmed = line.trim();
  if (!trimmed) return [...history];
  return [trimmed, ...history.filter((h) => h !== trimmed)].slice(0, HISTORY_SIZE);
}
