/**
 * The evaluation set: questions over the shop schema (shop.sql, seeded by seed.sql), each with the
 * SQL that answers it and what the scripted model answers.
 *
 * - `reference`: the SQL that answers the question, run against the seeded database. Its rows are
 *   the right answer (order-insensitive unless it has ORDER BY). For a destructive question it is
 *   the statement asked for, never run.
 * - `answer`: the SQL the scripted model writes first (sent in a ```sql fence, as the text parser
 *   reads it). Often written differently from the reference: rows are compared, not text.
 * - `repair`: what the model answers to the one repair round, for an `answer` the parser rejects.
 * - `expect`:
 *   - `rows`: the answer (after its repair, if any) parses, is flagged for nothing, and returns
 *     the reference's rows;
 *   - `flagged`: the answer is flagged, exactly as listed (unknown names: SQLite rejects the
 *     answer too; destructive: never run);
 *   - `repair-fails`: the repair does not parse either: the answer comes back with its failed
 *     check, not an error (designed to fail: not counted correct).
 *
 * Questions are unique and none is part of another: the scripted model finds its case by the
 * question in the prompt.
 */
import type * as SqlCheck from "../../src/domain/SqlCheck.js"

export type Expect =
  | { readonly kind: "rows" }
  | {
    readonly kind: "flagged"
    readonly destructive?: ReadonlyArray<SqlCheck.DestructiveKind>
    readonly unknownTables?: ReadonlyArray<string>
    readonly unknownColumns?: ReadonlyArray<SqlCheck.UnknownColumn>
  }
  | { readonly kind: "repair-fails" }

export interface EvalCase {
  readonly id: string
  readonly question: string
  readonly reference: string
  readonly answer: string
  readonly repair?: string
  readonly expect: Expect
}

const rows = { kind: "rows" } as const

export const cases: ReadonlyArray<EvalCase> = [
  // --- Answered right the first time, often written differently from the reference ---
  {
    id: "count-customers",
    question: "How many customers do we have?",
    reference: "SELECT COUNT(*) FROM customers",
    answer: "SELECT COUNT(id) AS customer_count FROM customers;",
    expect: rows
  },
  {
    id: "customers-in-london",
    question: "List the names and emails of our customers in London.",
    reference: "SELECT name, email FROM customers WHERE city = 'London'",
    answer: "SELECT c.name, c.email\nFROM customers AS c\nWHERE c.city = 'London'\nLIMIT 100;",
    expect: rows
  },
  {
    id: "products-over-200",
    question: "Which products cost more than 200?",
    reference: "SELECT name, price FROM products WHERE price > 200",
    answer: "SELECT name, price FROM products WHERE NOT price <= 200.0 LIMIT 100;",
    expect: rows
  },
  {
    id: "orders-per-customer",
    question: "How many orders has each customer placed, including customers with none?",
    reference: "SELECT c.name, COUNT(o.id) FROM customers c LEFT JOIN orders o ON o.customer_id = c.id GROUP BY c.id, c.name",
    answer: "SELECT c.name, (SELECT COUNT(*) FROM orders o WHERE o.customer_id = c.id) AS order_count\nFROM customers c;",
    expect: rows
  },
  {
    id: "revenue-per-top-category",
    question: "What is the revenue of delivered orders per product category?",
    reference: "SELECT cat.name, SUM(oi.quantity * oi.unit_price) FROM order_items oi JOIN orders o ON o.id = oi.order_id " +
      "JOIN products p ON p.id = oi.product_id JOIN categories cat ON cat.id = p.category_id " +
      "WHERE o.status = 'delivered' GROUP BY cat.id, cat.name",
    answer: "SELECT categories.name AS category, SUM(order_items.unit_price * order_items.quantity) AS revenue\n" +
      "FROM categories\nJOIN products ON products.category_id = categories.id\n" +
      "JOIN order_items ON order_items.product_id = products.id\nJOIN orders ON orders.id = order_items.order_id\n" +
      "WHERE orders.status = 'delivered'\nGROUP BY categories.name;",
    expect: rows
  },
  {
    id: "top-3-sellers",
    question: "What are the three best-selling products by units sold?",
    reference: "SELECT p.name, SUM(oi.quantity) AS units FROM order_items oi JOIN products p ON p.id = oi.product_id " +
      "GROUP BY p.id, p.name ORDER BY units DESC, p.name LIMIT 3",
    answer: "SELECT p.name, SUM(oi.quantity) AS units_sold\nFROM products p\nJOIN order_items oi ON oi.product_id = p.id\n" +
      "GROUP BY p.name\nORDER BY units_sold DESC, p.name ASC\nLIMIT 3;",
    expect: rows
  },
  {
    id: "never-ordered",
    question: "Which customers have never placed an order?",
    reference: "SELECT c.name FROM customers c LEFT JOIN orders o ON o.customer_id = c.id WHERE o.id IS NULL",
    answer: "SELECT name FROM customers c WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id);",
    expect: rows
  },
  {
    id: "well-reviewed",
    question: "Show the average rating of products that have at least two reviews.",
    reference: "SELECT p.name, AVG(r.rating) FROM products p JOIN reviews r ON r.product_id = p.id GROUP BY p.id, p.name HAVING COUNT(*) >= 2",
    answer: "SELECT p.name, AVG(r.rating) AS avg_rating\nFROM reviews r\nINNER JOIN products p ON p.id = r.product_id\n" +
      "GROUP BY p.id, p.name\nHAVING COUNT(r.id) > 1;",
    expect: rows
  },
  {
    id: "orders-in-march",
    question: "Which orders were placed in March 2024?",
    reference: "SELECT id, customer_id, status FROM orders WHERE ordered_at >= '2024-03-01' AND ordered_at < '2024-04-01'",
    answer: "SELECT id, customer_id, status FROM orders WHERE strftime('%Y-%m', ordered_at) = '2024-03' LIMIT 100;",
    expect: rows
  },
  {
    id: "out-of-stock",
    question: "Which active products are out of stock?",
    reference: "SELECT name FROM products WHERE stock = 0 AND active = 1",
    answer: "SELECT name FROM products WHERE active = 1 AND stock <= 0;",
    expect: rows
  },
  {
    id: "orders-by-status",
    question: "How many orders are there in each status, most common first?",
    reference: "SELECT status, COUNT(*) AS n FROM orders GROUP BY status ORDER BY n DESC, status",
    answer: "SELECT status, COUNT(id) AS order_count FROM orders GROUP BY status ORDER BY COUNT(id) DESC, status;",
    expect: rows
  },
  {
    id: "subcategories",
    question: "What are the subcategories of Electronics?",
    reference: "SELECT child.name FROM categories child JOIN categories parent ON parent.id = child.parent_id WHERE parent.name = 'Electronics'",
    answer: "SELECT name FROM categories WHERE parent_id = (SELECT id FROM categories WHERE name = 'Electronics');",
    expect: rows
  },
  {
    id: "order-totals-cte",
    question: "Give the total amount of each order over 500.",
    reference: "SELECT order_id, SUM(quantity * unit_price) FROM order_items GROUP BY order_id HAVING SUM(quantity * unit_price) > 500",
    answer: "WITH totals AS (\n  SELECT order_id, SUM(quantity * unit_price) AS amount\n  FROM order_items\n  GROUP BY order_id\n)\n" +
      "SELECT order_id, amount FROM totals WHERE amount > 500;",
    expect: rows
  },
  {
    id: "book-buyers",
    question: "Which customers bought at least one book?",
    reference: "SELECT DISTINCT c.name FROM customers c JOIN orders o ON o.customer_id = c.id JOIN order_items oi ON oi.order_id = o.id " +
      "JOIN products p ON p.id = oi.product_id JOIN categories cat ON cat.id = p.category_id " +
      "WHERE cat.name = 'Books' OR cat.parent_id = (SELECT id FROM categories WHERE name = 'Books')",
    answer: "SELECT name FROM customers WHERE id IN (\n  SELECT o.customer_id FROM orders o\n  JOIN order_items oi ON oi.order_id = o.id\n" +
      "  JOIN products p ON p.id = oi.product_id\n  WHERE p.category_id IN (SELECT id FROM categories WHERE name = 'Books' OR parent_id IN (SELECT id FROM categories WHERE name = 'Books'))\n);",
    expect: rows
  },
  {
    id: "priciest-per-category",
    question: "What is the most expensive product in each category?",
    reference: "SELECT cat.name, p.name, p.price FROM products p JOIN categories cat ON cat.id = p.category_id " +
      "WHERE p.price = (SELECT MAX(p2.price) FROM products p2 WHERE p2.category_id = p.category_id)",
    answer: "SELECT category, product, price FROM (\n  SELECT c.name AS category, p.name AS product, p.price,\n" +
      "    RANK() OVER (PARTITION BY p.category_id ORDER BY p.price DESC) AS rnk\n" +
      "  FROM products p JOIN categories c ON c.id = p.category_id\n) ranked\nWHERE rnk = 1;",
    expect: rows
  },
  {
    id: "monthly-revenue",
    question: "Show the revenue per month in 2024, excluding cancelled orders, in month order.",
    reference: "SELECT substr(o.ordered_at, 1, 7) AS month, SUM(oi.quantity * oi.unit_price) FROM orders o " +
      "JOIN order_items oi ON oi.order_id = o.id WHERE o.status <> 'cancelled' AND o.ordered_at LIKE '2024-%' GROUP BY month ORDER BY month",
    answer: "SELECT strftime('%Y-%m', o.ordered_at) AS month, SUM(oi.unit_price * oi.quantity) AS revenue\n" +
      "FROM orders o JOIN order_items oi ON oi.order_id = o.id\n" +
      "WHERE o.status != 'cancelled' AND strftime('%Y', o.ordered_at) = '2024'\nGROUP BY 1\nORDER BY 1;",
    expect: rows
  },

  // --- Malformed first answers: one repair round, and the repair is right ---
  {
    id: "repair-keyword-typo",
    question: "List every product with its category name.",
    reference: "SELECT p.name, c.name FROM products p JOIN categories c ON c.id = p.category_id",
    answer: "SELEC p.name, c.name AS category FROM products p JOIN categories c ON c.id = p.category_id;",
    repair: "SELECT p.name, c.name AS category FROM products p JOIN categories c ON c.id = p.category_id;",
    expect: rows
  },
  {
    id: "repair-trailing-comma",
    question: "Show the name, city and country of customers from the US.",
    reference: "SELECT name, city, country FROM customers WHERE country = 'US'",
    answer: "SELECT name, city, country, FROM customers WHERE country = 'US';",
    repair: "SELECT name, city, country FROM customers WHERE country = 'US';",
    expect: rows
  },
  {
    id: "repair-unbalanced-parenthesis",
    question: "Which customers have spent more than 1000 in total?",
    reference: "SELECT c.name FROM customers c JOIN orders o ON o.customer_id = c.id JOIN order_items oi ON oi.order_id = o.id " +
      "GROUP BY c.id, c.name HAVING SUM(oi.quantity * oi.unit_price) > 1000",
    answer: "SELECT c.name FROM customers c JOIN orders o ON o.customer_id = c.id JOIN order_items oi ON oi.order_id = o.id\n" +
      "GROUP BY c.id, c.name HAVING SUM((oi.quantity * oi.unit_price) > 1000;",
    repair: "SELECT c.name FROM customers c JOIN orders o ON o.customer_id = c.id JOIN order_items oi ON oi.order_id = o.id\n" +
      "GROUP BY c.id, c.name HAVING SUM(oi.quantity * oi.unit_price) > 1000;",
    expect: rows
  },
  {
    id: "repair-doubled-from",
    question: "When did each customer place their latest order?",
    reference: "SELECT c.name, MAX(o.ordered_at) FROM customers c JOIN orders o ON o.customer_id = c.id GROUP BY c.id, c.name",
    answer: "SELECT c.name, MAX(o.ordered_at) AS last_order FROM FROM customers c JOIN orders o ON o.customer_id = c.id GROUP BY c.name;",
    repair: "SELECT c.name, MAX(o.ordered_at) AS last_order FROM customers c JOIN orders o ON o.customer_id = c.id GROUP BY c.name;",
    expect: rows
  },

  // --- Names the schema does not have: flagged (and SQLite rejects them too) ---
  {
    id: "unknown-table",
    question: "Which customers live in the Netherlands?",
    reference: "SELECT name FROM customers WHERE country = 'NL'",
    answer: "SELECT name FROM clients WHERE country = 'NL';",
    expect: { kind: "flagged", unknownTables: ["clients"] }
  },
  {
    id: "unknown-column",
    question: "What are the email addresses of customers in Boston?",
    reference: "SELECT name, email FROM customers WHERE city = 'Boston'",
    answer: "SELECT name, email_address FROM customers WHERE city = 'Boston';",
    expect: { kind: "flagged", unknownColumns: [{ column: "email_address" }] }
  },
  {
    id: "unknown-aliased-column",
    question: "Show each product with the quantity we have in the warehouse.",
    reference: "SELECT name, stock FROM products",
    answer: "SELECT p.name, p.quantity_on_hand FROM products p LIMIT 100;",
    expect: { kind: "flagged", unknownColumns: [{ table: "products", column: "quantity_on_hand" }] }
  },

  // --- Destructive: flagged, never run ---
  {
    id: "delete-all-reviews",
    question: "Remove all reviews.",
    reference: "DELETE FROM reviews",
    answer: "DELETE FROM reviews;",
    expect: { kind: "flagged", destructive: ["delete"] }
  },
  {
    id: "drop-categories",
    question: "Get rid of the categories table.",
    reference: "DROP TABLE categories",
    answer: "DROP TABLE categories;",
    expect: { kind: "flagged", destructive: ["drop"] }
  },
  {
    id: "zero-all-stock",
    question: "Set the stock of every product to zero.",
    reference: "UPDATE products SET stock = 0",
    answer: "UPDATE products SET stock = 0;",
    expect: { kind: "flagged", destructive: ["update"] }
  },

  // --- The repair does not parse either: the answer comes back with its failed check ---
  {
    id: "repair-still-broken",
    question: "Which country has the most customers?",
    reference: "SELECT country FROM customers GROUP BY country ORDER BY COUNT(*) DESC LIMIT 1",
    answer: "SELECT country, COUNT(*) FROM customers GROUP country ORDER BY 2 DESC LIMIT 1;",
    repair: "SELECT country, COUNT(*) AS n FROM customers GROUP BY BY country ORDER BY n DESC LIMIT 1;",
    expect: { kind: "repair-fails" }
  }
]
