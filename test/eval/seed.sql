-- The evaluation set's data: fixed rows, so every reference query has one right answer.

INSERT INTO categories (id, name, parent_id) VALUES
  (1, 'Electronics', NULL),
  (2, 'Books', NULL),
  (3, 'Home', NULL),
  (4, 'Phones', 1),
  (5, 'Laptops', 1),
  (6, 'Cookbooks', 2);

INSERT INTO products (id, name, category_id, price, stock, active) VALUES
  (1, 'Aurora Phone', 4, 699.00, 12, 1),
  (2, 'Nimbus Phone Mini', 4, 399.00, 0, 1),
  (3, 'Atlas Laptop 14', 5, 1199.00, 5, 1),
  (4, 'Atlas Laptop 16', 5, 1499.00, 0, 1),
  (5, 'USB-C Cable', 1, 9.50, 200, 1),
  (6, 'Noise-Cancelling Headphones', 1, 249.00, 30, 1),
  (7, 'The SQL Handbook', 2, 39.90, 25, 1),
  (8, 'Data at Scale', 2, 54.00, 8, 1),
  (9, 'Weeknight Pasta', 6, 24.00, 14, 1),
  (10, 'Bread Basics', 6, 19.00, 0, 0),
  (11, 'Ceramic Mug', 3, 12.00, 80, 1),
  (12, 'Desk Lamp', 3, 45.00, 16, 1);

INSERT INTO customers (id, name, email, city, country, created_at) VALUES
  (1, 'Ada Lovelace', 'ada@example.com', 'London', 'UK', '2023-01-15'),
  (2, 'Grace Hopper', 'grace@example.com', 'New York', 'US', '2023-02-03'),
  (3, 'Alan Turing', 'alan@example.com', 'Manchester', 'UK', '2023-03-22'),
  (4, 'Edsger Dijkstra', 'edsger@example.com', 'Amsterdam', 'NL', '2023-05-09'),
  (5, 'Barbara Liskov', 'barbara@example.com', 'Boston', 'US', '2023-06-30'),
  (6, 'Donald Knuth', 'don@example.com', 'Stanford', 'US', '2023-08-12'),
  (7, 'Frances Allen', 'fran@example.com', 'New York', 'US', '2023-09-01'),
  (8, 'Niklaus Wirth', 'niklaus@example.com', 'Zurich', 'CH', '2023-11-19'),
  (9, 'Margaret Hamilton', 'margaret@example.com', 'Boston', 'US', '2024-01-07'),
  (10, 'Tim Berners-Lee', 'tim@example.com', 'London', 'UK', '2024-02-14');

INSERT INTO orders (id, customer_id, status, ordered_at) VALUES
  (1, 1, 'delivered', '2024-01-05'),
  (2, 1, 'delivered', '2024-02-11'),
  (3, 2, 'delivered', '2024-01-20'),
  (4, 3, 'shipped', '2024-03-02'),
  (5, 4, 'delivered', '2024-02-28'),
  (6, 5, 'cancelled', '2024-03-10'),
  (7, 2, 'delivered', '2024-03-15'),
  (8, 6, 'pending', '2024-03-28'),
  (9, 7, 'delivered', '2024-04-02'),
  (10, 9, 'shipped', '2024-04-11'),
  (11, 1, 'pending', '2024-04-20'),
  (12, 3, 'delivered', '2024-04-25'),
  (13, 5, 'delivered', '2024-05-03'),
  (14, 10, 'cancelled', '2024-05-09');

INSERT INTO order_items (id, order_id, product_id, quantity, unit_price) VALUES
  (1, 1, 1, 1, 699.00),
  (2, 1, 5, 2, 9.50),
  (3, 2, 7, 1, 39.90),
  (4, 2, 11, 2, 12.00),
  (5, 3, 3, 1, 1199.00),
  (6, 4, 6, 1, 249.00),
  (7, 4, 5, 3, 9.50),
  (8, 5, 8, 2, 54.00),
  (9, 5, 7, 1, 39.90),
  (10, 6, 4, 1, 1499.00),
  (11, 7, 9, 1, 24.00),
  (12, 7, 11, 4, 12.00),
  (13, 7, 12, 1, 45.00),
  (14, 8, 2, 1, 399.00),
  (15, 9, 1, 1, 699.00),
  (16, 9, 6, 1, 249.00),
  (17, 10, 7, 2, 39.90),
  (18, 10, 8, 1, 54.00),
  (19, 11, 5, 5, 9.50),
  (20, 12, 3, 1, 1149.00),
  (21, 13, 12, 2, 45.00),
  (22, 13, 11, 1, 12.00),
  (23, 14, 9, 2, 24.00);

INSERT INTO reviews (id, product_id, customer_id, rating, created_at) VALUES
  (1, 1, 1, 5, '2024-01-10'),
  (2, 1, 7, 4, '2024-04-10'),
  (3, 3, 2, 5, '2024-01-30'),
  (4, 3, 3, 4, '2024-05-01'),
  (5, 7, 1, 5, '2024-02-20'),
  (6, 7, 4, 3, '2024-03-05'),
  (7, 7, 9, 4, '2024-04-20'),
  (8, 6, 3, 2, '2024-03-10'),
  (9, 11, 2, 4, '2024-03-20'),
  (10, 8, 4, 5, '2024-03-06'),
  (11, 12, 5, 3, '2024-05-10'),
  (12, 9, 2, 4, '2024-03-20');
