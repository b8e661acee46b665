/**
 * The schema the page's assistant asks about: a small shop, in the shape DB Toolkit's chat panel
 * sends (`{tables: {[table]: {columns: [{name, type}]}}}`).
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export const sampleSchema = {
  tables: {
    customers: { columns: [{ name: "id", type: "integer" }, { name: "name", type: "text" }, { name: "email", type: "text" }, { name: "created_at", type: "timestamp" }] },
    orders: { columns: [{ name: "id", type: "integer" }, { name: "customer_id", type: "integer" }, { name: "total", type: "numeric(10,2)" }, { name: "status", type: "text" }, { name: "ordered_at", type: "timestamp" }] },
    products: { columns: [{ name: "id", type: "integer" }, { name: "name", type: "text" }, { name: "price", type: "numeric(10,2)" }] }
  }
} as const
