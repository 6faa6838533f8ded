// What makes markup dangerous, from the HTML, SVG and XSLT specifications and browsers' history:
// elements that run or load code, attributes that hold code or URLs, URL schemes that run code.

/** Elements that run or load code, or change how the page is read, as soon as they appear. */
export const DANGEROUS_TAGS = new Set([
  'script', 'iframe', 'frame', 'frameset', 'applet', 'style', 'xml', 'import', 'isindex',
  'vmlframe', 'portal',
]);

/**
 * Elements that become dangerous with attributes (`<object data=..>`, `<base href=..>`,
 * `<meta http-equiv=..>`, `<svg onload=..>`). Bare, they do nothing, and the bare names are common
 * placeholders in prose ("--points-at <object>", "<set>").
 */
export const DANGEROUS_WITH_ATTRS = new Set([
  'object', 'embed', 'base', 'meta', 'link', 'svg', 'math', 'handler', 'listener', 'animate',
  'animatemotion', 'animatetransform', 'set', 'foreignobject', 'template', 'noscript', 'noembed',
  'xmp', 'plaintext', 'layer', 'ilayer', 'bgsound', 'marquee',
]);

/** Attributes whose value is a URL: dangerous when the URL's scheme runs code. */
export const URL_ATTRS = new Set([
  'href', 'src', 'action', 'formaction', 'background', 'dynsrc', 'lowsrc', 'poster', 'codebase',
  'data', 'xlink:href', 'from', 'to', 'values', 'by', 'folder', 'cite', 'longdesc', 'usemap',
  'archive', 'classid', 'ping', 'manifest', 'icon', 'profile', 'xml:base', 'srcset',
]);

/** Attributes that are code (or pull in code) whatever their value. */
export const CODE_ATTRS = new Set([
  'style', 'srcdoc', 'formaction', 'xlink:href', 'attributename', 'fscommand', 'seeksegmenttime',
  'datasrc', 'datafld', 'dataformatas',
]);

/** Schemes that run code when a browser follows the URL. */
export const CODE_SCHEMES = ['javascript:', 'vbscript:', 'livescript:', 'mocha:', 'data:', 'view-source:', 'jar:'];

/**
 * Event-handler attributes browsers know (HTML living standard, SVG, and old IE/Gecko ones). Inside
 * a real tag any on* name is treated as a handler; this list is for the attribute-value readings,
 * where "online" or "onions" is more likely plain text.
 */
export const EVENT_HANDLERS = new Set([
  'onabort', 'onafterprint', 'onafterscriptexecute', 'onanimationcancel', 'onanimationend',
  'onanimationiteration', 'onanimationstart', 'onauxclick', 'onbeforecopy', 'onbeforecut',
  'onbeforeinput', 'onbeforepaste', 'onbeforeprint', 'onbeforescriptexecute', 'onbeforetoggle',
  'onbeforeunload', 'onbegin', 'onblur', 'onbounce', 'oncancel', 'oncanplay', 'oncanplaythrough',
  'onchange', 'onclick', 'onclose', 'oncontextlost', 'oncontextmenu', 'oncontextrestored', 'oncopy',
  'oncuechange', 'oncut', 'ondblclick', 'ondrag', 'ondragend', 'ondragenter', 'ondragexit',
  'ondragleave', 'ondragover', 'ondragstart', 'ondrop', 'ondurationchange', 'onemptied', 'onend',
  'onended', 'onerror', 'onfinish', 'onfocus', 'onfocusin', 'onfocusout', 'onformdata',
  'onfullscreenchange', 'onhashchange', 'oninput', 'oninvalid', 'onkeydown', 'onkeypress', 'onkeyup',
  'onload', 'onloadeddata', 'onloadedmetadata', 'onloadend', 'onloadstart', 'onmessage',
  'onmousedown', 'onmouseenter', 'onmouseleave', 'onmousemove', 'onmouseout', 'onmouseover',
  'onmouseup', 'onmousewheel', 'onmozfullscreenchange', 'onoffline', 'ononline', 'onpagehide',
  'onpageshow', 'onpaste', 'onpause', 'onplay', 'onplaying', 'onpointercancel', 'onpointerdown',
  'onpointerenter', 'onpointerleave', 'onpointermove', 'onpointerout', 'onpointerover',
  'onpointerrawupdate', 'onpointerup', 'onpopstate', 'onprogress', 'onratechange', 'onrepeat',
  'onreset', 'onresize', 'onscroll', 'onscrollend', 'onsearch', 'onseeked', 'onseeking', 'onselect',
  'onselectionchange', 'onselectstart', 'onshow', 'onstalled', 'onstart', 'onstorage', 'onsubmit',
  'onsuspend', 'ontimeupdate', 'ontoggle', 'ontouchcancel', 'ontouchend', 'ontouchmove',
  'ontouchstart', 'ontransitioncancel', 'ontransitionend', 'ontransitionrun', 'ontransitionstart',
  'onunhandledrejection', 'onunload', 'onvolumechange', 'onwaiting', 'onwebkitanimationend',
  'onwebkitanimationiteration', 'onwebkitanimationstart', 'onwebkittransitionend', 'onwheel',
  'onactivate', 'onbeforeactivate', 'onbeforedeactivate', 'onbeforeeditfocus', 'onbeforeupdate',
  'oncellchange', 'oncontrolselect', 'ondataavailable', 'ondatasetchanged', 'ondatasetcomplete',
  'ondeactivate', 'onerrorupdate', 'onfilterchange', 'onhelp', 'onlayoutcomplete', 'onlosecapture',
  'onmove', 'onmoveend', 'onmovestart', 'onpropertychange', 'onreadystatechange', 'onresizeend',
  'onresizestart', 'onrowenter', 'onrowexit', 'onrowsdelete', 'onrowsinserted', 'onstop',
  'onsvgload', 'onzoom', 'onfocusin', 'onshow', 'onslotchange', 'onsecuritypolicyviolation',
]);
