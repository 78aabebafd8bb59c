import type { PrefixMode, ToolRef } from '@persona-gateway/contracts';

/** What MCP clients accept as a tool name; checked after prefixing. */
export const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
export const PREFIX_SEPARATOR = '_';

export function exposedName(gateway: string, name: string, prefixMode: PrefixMode): string {
  return prefixMode === 'always' ? `${gateway}${PREFIX_SEPARATOR}${name}` : name;
}

export interface NameProblems {
  /** Exposed names outside ^[a-zA-Z0-9_-]{1,64}$. */
  readonly invalid: string[];
  /** Exposed names two selected tools would share. */
  readonly collisions: string[];
}

/** Checks a selection's exposed names; empty lists mean the persona may be saved. */
export function checkExposedNames(selection: readonly ToolRef[], prefixMode: PrefixMode): NameProblems {
  const seen = new Map<string, number>();
  for (const ref of selection) {
    const name = exposedName(ref.gateway, ref.tool, prefixMode);
    seen.set(name, (seen.get(name) ?? 0) + 1);
  }
  return {
    invalid: [...seen.keys()].filter((name) => !TOOL_NAME.test(name)).sort(),
    collisions: [...seen.entries()].filter(([, count]) => count > 1).map(([name]) => name).sort(),
  };
}

/** Matches a URI against an RFC 6570 template, level 1 ({var} stands for one or more characters). */
export function templateMatches(template: string, uri: string): boolean {
  const pattern = template
    .split(/(\{[^}]+\})/)
    .map((part) => (part.startsWith('{') ? '(.+?)' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${pattern}$`).test(uri);
}
