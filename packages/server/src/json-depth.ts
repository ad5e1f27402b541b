/**
 * Nesting depth of JSON, checked on the text in one linear pass (no recursion, so no stack to blow):
 * a scalar is depth 0, `{}` and `[]` are 1, `{"a":[1]}` is 2. SQLite's JSON functions refuse data
 * nested deeper than 1,000 levels, so a record deeper than that would be stored and then break
 * every filtered or ordered list of its collection; the hub refuses such JSON at the door instead.
 *
 * The text must be valid JSON or about to be parsed as JSON (invalid text is refused by the parser
 * anyway; this scan only needs to find brackets outside strings).
 */
export function jsonTextDepthExceeds(text: string, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--;
  }
  return false;
}
