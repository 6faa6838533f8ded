import { SaxesParser } from 'saxes';

/**
 * XML body to text (all character data, concatenated, as XPath `/*` would give) and attribute
 * values. Only the predefined entities exist: a DOCTYPE's entities, external or internal, are never
 * resolved (saxes reports an undefined entity as an error, which becomes REQBODY_ERROR).
 */
export function parseXml(body: string): { text: string; attrs: string[]; error?: string } {
  // The binary string holds UTF-8 bytes: saxes wants characters.
  const input = Buffer.from(body, 'latin1').toString('utf8');
  const parser = new SaxesParser({ xmlns: false, position: false });
  const texts: string[] = [];
  const attrs: string[] = [];
  let error: string | undefined;
  parser.on('text', (t) => texts.push(t));
  parser.on('cdata', (t) => texts.push(t));
  parser.on('opentag', (tag) => {
    for (const v of Object.values(tag.attributes)) attrs.push(String(v));
  });
  parser.on('error', (e) => { error ??= `XML parsing error: ${e.message}`; });
  try {
    parser.write(input).close();
  } catch (e) {
    error ??= `XML parsing error: ${(e as Error).message}`;
  }
  const bin = (s: string) => Buffer.from(s, 'utf8').toString('latin1');
  const result: { text: string; attrs: string[]; error?: string } = { text: bin(texts.join('')), attrs: attrs.map(bin) };
  if (error) result.error = error;
  return result;
}
