"""The demo union: a deterministic, realistic union to try the product on.

`builder.build_demo` writes it set-based (COPY on PostgreSQL, batched inserts on
SQLite), computing ids and paths itself; `regions`, `names` and `workplaces` hold
the data it draws from, `people` and `tree` the generators, `users` the logins.
"""
