import { canonicalJson, sameContent, type Catalog, type CatalogDiff } from '@persona-gateway/contracts';

/** What changed in a catalog's tools, by downstream name. */
export function diffTools(before: Catalog, after: Catalog): CatalogDiff {
  const old = new Map(before.tools.map((tool) => [tool.name, canonicalJson(tool)]));
  const now = new Map(after.tools.map((tool) => [tool.name, canonicalJson(tool)]));
  return {
    added: [...now.keys()].filter((name) => !old.has(name)),
    removed: [...old.keys()].filter((name) => !now.has(name)),
    changed: [...now.entries()].filter(([name, json]) => old.has(name) && old.get(name) !== json).map(([name]) => name),
  };
}

export function sameCatalog(a: Catalog, b: Catalog): boolean {
  return sameContent(a, b);
}
