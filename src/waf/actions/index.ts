import type { ActionDef } from './types.js';
import { id } from './id.js';
import { phase } from './phase.js';
import { msg } from './msg.js';
import { logdata } from './logdata.js';
import { tag } from './tag.js';
import { ver } from './ver.js';
import { severity } from './severity.js';
import * as meta from './metadata.js';
import { capture } from './capture.js';
import { multiMatch } from './multi-match.js';
import { log, nolog, auditlog, noauditlog } from './log.js';
import { pass } from './pass.js';
import { deny } from './deny.js';
import { drop } from './drop.js';
import { block } from './block.js';
import { redirect } from './redirect.js';
import { allow } from './allow.js';
import { status } from './status.js';
import { chain } from './chain.js';
import { skipAfter } from './skip-after.js';
import { skip } from './skip.js';
import { t } from './t.js';
import { setvar } from './setvar.js';
import { initcol } from './initcol.js';
import { ctl } from './ctl.js';

/** Every action, by lower-case SecLang name. */
export const ACTIONS: ReadonlyMap<string, ActionDef> = new Map(
  [
    id, phase, msg, logdata, tag, ver, severity, ...Object.values(meta), capture, multiMatch, log, nolog, auditlog,
    noauditlog, pass, deny, drop, block, redirect, allow, status, chain, skipAfter, skip, t, setvar, initcol, ctl,
  ].map((a) => [a.name.toLowerCase(), a]),
);
