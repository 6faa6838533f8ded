// What makes markup dangerous, from the HTML, SVG and XSLT specifications and browsers' history:
// elements that run or load code, attributes that hold code or URLs, URL schemes that run code.

/** Elements that execute script, embed active content or change how the page loads. */
export const DANGEROUS_TAGS = new Set([
  'script', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'base', 'meta', 'link',
  'style', 'svg', 'math', 'xml', 'import', 'isindex', 'vmlframe', 'handler', 'listener',
  'animate', 'animatemotion', 'animatetransform', 'set', 'foreignobject', 'portal', 'template',
  'noscript', 'noembed', 'xmp', 'plaintext', 'layer', 'ilayer', 'bgsound', 'marquee',
]);

/** Attributes whose value is a URL: dangerous when the URL's scheme runs code. */
export const URL_ATTRS = new Set([
  'href', 'src', 'action', 'formaction', 'background', 'dynsrc', 'lowsrc', 'poster', 'codebase',
  'data', 'xlink:href', 'from', 'to', 'values', 'by', 'folder', 'cite', 'longdesc', 'usemap',
  'archive', 'classid', 'ping', 'manifest', 'icon', 'profile', 'xml:base', 'srcset',
]);

/** Attributes that are code (or pull in code) whatever their value. */
export const CODE_ATTRS = new Set([
  'style', 'srcdoc', 'formaction', 'xmlns', 'xlink:href', 'attributename', 'fscommand', 'seeksegmenttime',
  'datasrc', 'datafld', 'dataformatas',
]);

/** Schemes that run code when a browser follows the URL. */
export const CODE_SCHEMES = ['javascript:', 'vbscript:', 'livescript:', 'mocha:', 'data:', 'view-source:', 'jar:'];
