/** Schemas the schema-API tests share: the product brief's `orders` table and variations. */
import type { ApiColumn, ApiSchema, ApiTable } from '../../src/net/schema-api/index.js';

const col = (name: string, declaredType: string, fieldNumber: number, extra: Partial<ApiColumn> = {}): ApiColumn => ({
  name, declaredType, fieldNumber, nullable: true, hasDefault: false, primaryKey: false, autoIncrement: false, ...extra,
});

/**
 * CREATE TABLE orders (id INTEGER PRIMARY KEY AUTOINCREMENT, customer_id INTEGER NOT NULL,
 *   status TEXT DEFAULT 'pending', total_price REAL, quantity INTEGER,
 *   created_at INTEGER DEFAULT (strftime('%s','now')))
 */
export function ordersTable(): ApiTable {
  return {
    name: 'orders',
    columns: [
      col('id', 'INTEGER', 1, { nullable: false, primaryKey: true, autoIncrement: true }),
      col('customer_id', 'INTEGER', 2, { nullable: false }),
      col('status', 'TEXT', 3, { hasDefault: true }),
      col('total_price', 'REAL', 4),
      col('quantity', 'INTEGER', 5),
      col('created_at', 'INTEGER', 6, { hasDefault: true }),
    ],
    primaryKey: 'id',
    indexes: [{ name: 'idx_orders_customer', columns: ['customer_id'], unique: false }],
    shardKey: 'customer_id',
  };
}

export const UPDATE_STATUS = { table: 'orders', name: 'UpdateOrderStatus', sql: 'UPDATE orders SET status = :status WHERE id = :id RETURNING *' };

export function ordersSchema(): ApiSchema {
  return { tables: [ordersTable()], methods: [UPDATE_STATUS] };
}

/** A table exercising every type, no primary key, and names that need care. */
export function oddTable(): ApiTable {
  return {
    name: 'categories',
    columns: [
      col('label', 'VARCHAR(40)', 1, { nullable: false }),
      col('icon', 'BLOB', 2),
      col('active', 'BOOLEAN', 3, { nullable: false, hasDefault: true }),
      col('weight', 'DECIMAL(10,2)', 5),
      col('born', 'DATETIME', 7),
      col('anything', '', 8),
    ],
    primaryKey: null,
    indexes: [],
    shardKey: null,
  };
}

export { col };
