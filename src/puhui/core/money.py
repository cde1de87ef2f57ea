"""Money: ``Decimal`` yuan, exact to the fen, one rounding rule.

The rule: amounts are rounded to the fen (0.01) half-up (四舍五入), the convention of Chinese bank statements,
only where an amount is booked or shown; intermediate results keep full precision. Floats are refused.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation

FEN = Decimal("0.01")
ROUNDING = ROUND_HALF_UP
# Enough digits for any interest computation on amounts up to 10^12 yuan.
CONTEXT = Context(prec=34, rounding=ROUNDING)


def to_money(value: Decimal | int | str) -> Decimal:
    """Parse an amount in yuan and round it to the fen. Floats are refused: they cannot hold a fen exactly."""
    if isinstance(value, (float, bool)):
        raise TypeError("money is never a float: pass a Decimal, an int or a string")
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"not an amount of money: {value!r}") from None
    if not amount.is_finite():
        raise ValueError(f"not an amount of money: {value!r}")
    return quantize_fen(amount)


def quantize_fen(amount: Decimal) -> Decimal:
    """Round to the fen with the one rounding rule."""
    return amount.quantize(FEN, rounding=ROUNDING, context=CONTEXT)


def wan_to_yuan(amount_wan: Decimal) -> Decimal:
    """万元 (ten thousand yuan), the unit of annual reports and penalties, to yuan."""
    return quantize_fen(amount_wan * 10_000)


def allocate(total: Decimal, parts: int) -> list[Decimal]:
    """Split ``total`` into ``parts`` fen amounts that add up exactly; the first ones carry the remainder fen."""
    if parts <= 0:
        raise ValueError("parts must be positive")
    total = quantize_fen(total)
    fen_total = int(total / FEN)
    base, remainder = divmod(fen_total, parts)
    return [(Decimal(base + (1 if i < remainder else 0)) * FEN) for i in range(parts)]


__all__ = ["CONTEXT", "FEN", "ROUNDING", "allocate", "quantize_fen", "to_money", "wan_to_yuan"]
