import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Self size and count per `type:name` of a .heapsnapshot file (what the heap holds, by constructor). */
export function heapByConstructor(file: string): Map<string, { size: number; count: number }> {
  const s = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const f = s.snapshot.meta.node_fields;
  const width = f.length;
  const iType = f.indexOf('type');
  const iName = f.indexOf('name');
  const iSize = f.indexOf('self_size');
  const types = s.snapshot.meta.node_types[0];
  const out = new Map<string, { size: number; count: number }>();
  for (let i = 0; i < s.nodes.length; i += width) {
    const type = types[s.nodes[i + iType]!]!;
    let name = type === 'object' || type === 'closure' || type === 'native' ? s.strings[s.nodes[i + iName]!]! : `(${type})`;
    if (name.length > 60) name = name.slice(0, 57) + '...';
    const key = type === 'closure' ? `closure ${name || '(anonymous)'}` : name;
    const e = out.get(key);
    if (e) {
      e.size += s.nodes[i + iSize]!;
      e.count++;
    } else out.set(key, { size: s.nodes[i + iSize]!, count: 1 });
  }
  return out;
}

/** (loaded − baseline) ÷ n per key, largest first. */
export function heapDiffPer(base: Map<string, { size: number; count: number }>, loaded: Map<string, { size: number; count: number }>, n: number, top: number) {
  const rows: Array<{ what: string; bytesPerConn: number; countPerConn: number }> = [];
  for (const [k, v] of loaded) {
    const b = base.get(k) ?? { size: 0, count: 0 };
    rows.push({ what: k, bytesPerConn: (v.size - b.size) / n, countPerConn: (v.count - b.count) / n });
  }
  rows.sort((a, b) => b.bytesPerConn - a.bytesPerConn);
  return rows.slice(0, top);
}
