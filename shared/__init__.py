"""ordersync: keeps a monday.com board an exact, live mirror of the order book held in SQL."""
