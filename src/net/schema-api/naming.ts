/**
 * Names of generated things: the singular PascalCase message name of a table, RPC and JSON
 * names, and the identifier checks that decide whether a table can have a gRPC API at all.
 *
 * Singular rules (applied to the last `_`-separated word only, so `order_items` → `OrderItem`):
 *   1. irregular plurals: people→person, children→child, men→man, women→woman, mice→mouse,
 *      geese→goose, teeth→tooth, feet→foot, oxen→ox, indices→index, matrices→matrix,
 *      vertices→vertex, analyses→analysis, crises→crisis, theses→thesis, criteria→criterion;
 *   2. words that are their own plural or have none stay as they are: data, metadata, news,
 *      series, species, information, equipment, sheep, fish, deer, moose, aircraft, software;
 *   3. `-ies` → `-y` (categories → category), except movies, cookies, pies, ties, zombies → drop `s`;
 *   4. `-sses`, `-xes`, `-ches`, `-shes`, `-zzes` → drop `es` (addresses → address, boxes → box);
 *      `-uses` → `-us` (statuses → status, buses → bus);
 *   5. words ending in `ss`, `us`, `is` are already singular (status, address, analysis);
 *   6. otherwise a trailing `s` is dropped (orders → order, cases → case).
 * A table named in the singular keeps its name: `inventory` → `Inventory`, RPC `ListInventory`.
 */

const IRREGULAR: Record<string, string> = {
  people: 'person', children: 'child', men: 'man', women: 'woman', mice: 'mouse', geese: 'goose',
  teeth: 'tooth', feet: 'foot', oxen: 'ox', indices: 'index', matrices: 'matrix', vertices: 'vertex',
  analyses: 'analysis', crises: 'crisis', theses: 'thesis', criteria: 'criterion',
};
const UNCOUNTABLE = new Set(['data', 'metadata', 'news', 'series', 'species', 'information', 'equipment', 'sheep', 'fish', 'deer', 'moose', 'aircraft', 'software']);
const IES_TO_S = new Set(['movies', 'cookies', 'pies', 'ties', 'zombies']);

/** The singular of one lower-case English word, by the rules above. */
export function singularWord(word: string): string {
  const w = word.toLowerCase();
  const irregular = IRREGULAR[w];
  if (irregular !== undefined) return irregular;
  if (UNCOUNTABLE.has(w)) return w;
  if (IES_TO_S.has(w)) return w.slice(0, -1);
  if (w.endsWith('ies') && w.length > 3) return `${w.slice(0, -3)}y`;
  if (/(sses|xes|ches|shes|zzes)$/.test(w)) return w.slice(0, -2);
  if (w.endsWith('uses')) return w.slice(0, -2);
  if (/(ss|us|is)$/.test(w)) return w;
  if (w.endsWith('s') && w.length > 1) return w.slice(0, -1);
  return w;
}

function words(name: string): string[] {
  return name.split(/[^A-Za-z0-9]+/).filter((p) => p !== '');
}

const cap = (w: string): string => w.charAt(0).toUpperCase() + w.slice(1);

/** `order_items` → `OrderItems` (case inside a word is kept: `userID` → `UserID`). */
export function pascalCase(name: string): string {
  return words(name).map(cap).join('');
}

/** The message name of a table: `orders` → `Order`, `order_items` → `OrderItem`. */
export function messageName(table: string): string {
  const ws = words(table);
  if (ws.length === 0) return '';
  const last = ws[ws.length - 1]!;
  // Only an all-lower-case (or all-upper-case) word is inflected; `OrderItems` stays as written.
  const lower = last.toLowerCase();
  const sing = last === lower || last === last.toUpperCase() ? singularWord(lower) : last;
  ws[ws.length - 1] = last === last.toUpperCase() && last !== lower ? sing.toUpperCase() : sing;
  return ws.map(cap).join('');
}

/** `UpdateOrderStatus` → `updateOrderStatus` (the REST custom-method verb, AIP-136). */
export function lowerCamel(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** A protobuf identifier: letters, digits and `_`, not starting with a digit. */
export const PROTO_IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Field names the generated request messages use themselves (AIP-132/134). */
export const LIST_META_FIELDS = ['page_size', 'page_token', 'order_by'] as const;
export const UPDATE_META_FIELDS = ['update_mask'] as const;
