import Database from 'better-sqlite3';
const db = new Database(':memory:'); db.defaultSafeIntegers(true);
for (const q of process.argv.slice(2)) { try { console.log(q, '=>', db.prepare(q).raw(true).all().map(r=>r.map(v=>typeof v==='bigint'? v+'n': v))); } catch(e) { console.log(q, 'ERR', e.message); } }
