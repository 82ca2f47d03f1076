"""Numbered schema migrations (collections, validators, indexes, data moves).

Each module ``mNNNN_<name>.py`` defines ``DESCRIPTION`` and ``async def up(db)``; the
runner (:mod:`migrations.runner`) applies the ones not yet recorded, in order.  Every
``up`` must be safe to run again (create-if-missing, ``collMod``, idempotent indexes),
because a crash between the work and its record makes the runner repeat it.
"""
