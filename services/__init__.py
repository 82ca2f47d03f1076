"""Application services: the operations that read and write the database.

Each public coroutine is one use case (register a licence, suspend it ...): it takes
plain values, applies the rules of :mod:`domain`, and writes in one transaction.
Resolvers stay thin: they translate GraphQL inputs to these calls and results back.
"""
