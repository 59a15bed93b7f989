"""Read-only queries on wallets. Placeholder until the ledger lands (issue 3)."""


def available_credits(*, user) -> int:
    return 0
