/**
 * JSON Merge Patch (RFC 7386), the semantics of `PATCH /api/c/:collection/:id`: the hub applies it
 * to the stored data, and clients apply the same function to show a patch before the hub answers.
 */

/** A JSON object (a record's data, a patch). */
export type JsonObject = Record<string, unknown>;

export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * RFC 7386 §2 `MergePatch(Target, Patch)`: a patch that is not an object replaces the target; in an
 * object patch `null` removes a member, an object merges into the member (an absent or non-object
 * member counts as `{}`), anything else (arrays included) replaces it. Neither input is changed.
 */
export function mergePatch(target: JsonObject, patch: JsonObject): JsonObject;
export function mergePatch(target: unknown, patch: unknown): unknown;
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isJsonObject(patch)) return patch;
  const out: JsonObject = isJsonObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    // A member named `__proto__` is data like any other: define it rather than assign, which would set the prototype.
    else
      Object.defineProperty(out, key, {
        value: mergePatch(Object.hasOwn(out, key) ? out[key] : undefined, value),
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }
  return out;
}
