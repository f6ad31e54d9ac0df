/** The map's value for `key`, created with `make()` the first time. */
export function getOrCreate<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = make();
    map.set(key, v);
  }
  return v;
}

/** Groups items into lists by a key. */
export function groupBy<T, K>(items: Iterable<T>, keyOf: (item: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const item of items) getOrCreate(out, keyOf(item), () => []).push(item);
  return out;
}

/**
 * Sets an own, enumerable property, even one called `__proto__`, which plain assignment
 * would take as the object's prototype. For objects keyed by data (column names in a file).
 */
export function setOwn<V>(o: Record<string, V>, name: string, value: V): void {
  if (name === '__proto__')
    Object.defineProperty(o, name, { value, writable: true, enumerable: true, configurable: true });
  else o[name] = value;
}

/** The object's own value for `name`: never one inherited from Object.prototype (`constructor`). */
export const ownValue = <V>(o: Readonly<Record<string, V>>, name: string): V | undefined =>
  Object.hasOwn(o, name) ? o[name] : undefined;
