import type { ActionDef } from './types.js';
/** Informational actions the engine records nowhere but accepts (rev, accuracy, maturity...). */
function ignored(name: string): ActionDef {
  return { name, kind: 'metadata', apply() {} };
}
export const rev = ignored('rev');
export const accuracy = ignored('accuracy');
export const maturity = ignored('maturity');
export const sanitiseMatched = ignored('sanitiseMatched');
export const sanitiseArg = ignored('sanitiseArg');
export const sanitiseMatchedBytes = ignored('sanitiseMatchedBytes');
export const sanitiseRequestHeader = ignored('sanitiseRequestHeader');
export const sanitiseResponseHeader = ignored('sanitiseResponseHeader');
export const xmlns = ignored('xmlns');
export const expirevar = ignored('expirevar');
export const setenv = ignored('setenv');
export const setuid = ignored('setuid');
export const setsid = ignored('setsid');
export const deprecatevar = ignored('deprecatevar');
