"""Example Lambda triggers (custom authentication, user migration), written as real Lambda handlers
(``handler(event, context)`` returning the event). Name them in a seed's ``functions:`` or with
``--function`` and point a pool's ``LambdaConfig`` ARNs at those names (docs/emulator.md).

- ``email_code``: a one-time code emailed to the user (the emulator's outbox), three tries.
- ``security_question``: a question, three tries.

Both accept the SRP-first variant (``CHALLENGE_NAME: SRP_A``): the password is proven first.

- ``legacy_directory``: UserMigration from a small in-code directory of legacy users.
"""
