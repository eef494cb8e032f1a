/**
 * The Content-Type a parse is given: the media type of a fetch result with its charset put back (the
 * parser's decoding hint). Pure.
 */

/** The Content-Type header of a 200 result with its charset put back (the parser's decoding hint). */
export function contentTypeOf(res: { contentType: string; charset?: string }): string {
  return res.charset ? `${res.contentType}; charset=${res.charset}` : res.contentType;
}
